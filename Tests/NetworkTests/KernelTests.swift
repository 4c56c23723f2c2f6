import Foundation
import XCTest
@testable import Network

/// The portable kernels: every vector path gives the scalar reference's bits, the reference is the
/// documented summation order, and a training run does not depend on the path.
final class KernelTests: XCTestCase {
    struct Problem<T: NetworkScalar> {
        var transposeA: Bool, transposeB: Bool
        var m: Int, n: Int, k: Int
        var lda: Int, ldb: Int, ldc: Int
        var a: [T], b: [T], c: [T]
        var beta: T

        init(_ g: inout TestGenerator, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, beta: T) {
            (self.m, self.n, self.k, self.transposeA, self.transposeB, self.beta) = (m, n, k, transposeA, transposeB, beta)
            // Leading dimensions with slack now and then, as a sub-matrix has.
            lda = (transposeA ? m : k) + (g.next() % 3 == 0 ? g.int(1...5) : 0)
            ldb = (transposeB ? k : n) + (g.next() % 3 == 0 ? g.int(1...5) : 0)
            ldc = n + (g.next() % 3 == 0 ? g.int(1...5) : 0)
            a = (0..<max(1, (transposeA ? k : m) * lda)).map { _ in T(g.value()) }
            b = (0..<max(1, (transposeB ? n : k) * ldb)).map { _ in T(g.value()) }
            // With beta 0, C holds NaN: it must only be written.
            c = (0..<(m * ldc)).map { _ in beta == 0 ? T.nan : T(g.value()) }
        }

        func element(_ x: [T], _ row: Int, _ column: Int, _ ld: Int, transposed: Bool) -> T {
            transposed ? x[column * ld + row] : x[row * ld + column]
        }

        /// The documented order, in Swift: acc = fma(A[i][p], B[p][j], acc) for p = 0 … k−1 from +0,
        /// then beta == 0 ? acc : fma(beta, C, acc).
        func naive() -> [T] {
            var out = c
            for i in 0..<m {
                for j in 0..<n {
                    var acc: T = 0
                    for p in 0..<k {
                        acc = acc.addingProduct(element(a, i, p, lda, transposed: transposeA), element(b, p, j, ldb, transposed: transposeB))
                    }
                    out[i * ldc + j] = beta == 0 ? acc : acc.addingProduct(beta, c[i * ldc + j])
                }
            }
            return out
        }

        var description: String { "\(T.self) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N") m \(m) n \(n) k \(k) lda \(lda) ldb \(ldb) ldc \(ldc) beta \(beta)" }
    }

    func run(_ path: Kernels.Path, _ p: Problem<Float>) -> [Float]? {
        var c = p.c
        let ok = p.a.withUnsafeBufferPointer { a in
            p.b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    Kernels.gemm(path, transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k,
                                 a: a.baseAddress!, lda: p.lda, b: b.baseAddress!, ldb: p.ldb, beta: p.beta,
                                 c: c.baseAddress!, ldc: p.ldc)
                }
            }
        }
        return ok ? c : nil
    }

    func run(_ path: Kernels.Path, _ p: Problem<Double>) -> [Double]? {
        var c = p.c
        let ok = p.a.withUnsafeBufferPointer { a in
            p.b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    Kernels.gemm(path, transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k,
                                 a: a.baseAddress!, lda: p.lda, b: b.baseAddress!, ldb: p.ldb, beta: p.beta,
                                 c: c.baseAddress!, ldc: p.ldc)
                }
            }
        }
        return ok ? c : nil
    }

    /// The shapes of the network's own products (a 10-100-…-1 network on 256-row batches) and the
    /// degenerate ones, then random shapes with every transpose and beta.
    func shapes(_ g: inout TestGenerator, count: Int) -> [(m: Int, n: Int, k: Int, ta: Bool, tb: Bool, beta: Double)] {
        var list: [(m: Int, n: Int, k: Int, ta: Bool, tb: Bool, beta: Double)] = [
            (256, 100, 10, false, true, 1), (256, 100, 100, false, true, 1), (256, 1, 100, false, true, 1),
            (100, 100, 256, true, false, 0), (100, 1, 256, true, false, 0), (1, 100, 256, true, false, 0),
            (1, 1, 256, true, false, 0), (256, 100, 100, false, false, 0), (256, 100, 1, false, false, 0),
            (100, 10, 256, true, false, 0), (1, 1, 1, false, false, 0), (3, 5, 0, false, false, 1), (3, 5, 0, true, true, 0),
            (300, 300, 300, false, true, 1), (300, 300, 300, true, false, 0), (7, 300, 3, true, true, 1),
        ]
        for _ in 0..<count {
            list.append((g.dimension(), g.dimension(), g.int(0...10) == 0 ? g.int(0...3) : g.dimension(),
                         g.next() % 2 == 0, g.next() % 2 == 0, [0, 1, 0.375][g.int(0...2)]))
        }
        return list
    }

    /// (a) Every vector path this CPU has gives the reference's bits, on the network's shapes and 400
    /// random ones, Float and Double.
    func testVectorPathsGiveTheReferencesBits() throws {
        let vector = Kernels.Path.available.filter { $0 != .reference }
        if vector.isEmpty { throw XCTSkip("this CPU has neither AVX2 + FMA nor AVX-512F: the reference is the only path") }
        var g = TestGenerator(state: 0x9E37_79B9_7F4A_7C15)
        var compared = 0
        for s in shapes(&g, count: 400) {
            let pf = Problem<Float>(&g, m: s.m, n: s.n, k: s.k, transposeA: s.ta, transposeB: s.tb, beta: Float(s.beta))
            let pd = Problem<Double>(&g, m: s.m, n: s.n, k: s.k, transposeA: s.ta, transposeB: s.tb, beta: s.beta)
            let rf = try XCTUnwrap(run(.reference, pf)), rd = try XCTUnwrap(run(.reference, pd))
            for path in vector {
                let f = try XCTUnwrap(run(path, pf)), d = try XCTUnwrap(run(path, pd))
                XCTAssertEqual(f.map(\.bitPattern), rf.map(\.bitPattern), "\(path) \(pf.description)")
                XCTAssertEqual(d.map(\.bitPattern), rd.map(\.bitPattern), "\(path) \(pd.description)")
                compared += 2
            }
        }
        print("note: \(compared) products compared bit for bit on paths \(vector)")
    }

    /// (b) The reference is the documented order: a naive loop of Swift's `addingProduct` (a correctly
    /// rounded fused multiply-add) gives the same bits, and so does `NetworkScalar.gemm` with the
    /// portable kernels.
    func testReferenceIsTheDocumentedOrder() throws {
        var g = TestGenerator(state: 42)
        var list = shapes(&g, count: 0).filter { $0.m * $0.n * $0.k <= 300_000 }
        for _ in 0..<150 {
            list.append((g.int(1...40), g.int(1...40), g.int(0...60), g.next() % 2 == 0, g.next() % 2 == 0, [0, 1, 0.375][g.int(0...2)]))
        }
        let saved = Kernels.choice
        Kernels.choice = .portable
        defer { Kernels.choice = saved }
        for s in list {
            let pf = Problem<Float>(&g, m: s.m, n: s.n, k: s.k, transposeA: s.ta, transposeB: s.tb, beta: Float(s.beta))
            let pd = Problem<Double>(&g, m: s.m, n: s.n, k: s.k, transposeA: s.ta, transposeB: s.tb, beta: s.beta)
            let nf = pf.naive(), nd = pd.naive()
            XCTAssertEqual(try XCTUnwrap(run(.reference, pf)).map(\.bitPattern), nf.map(\.bitPattern), pf.description)
            XCTAssertEqual(try XCTUnwrap(run(.reference, pd)).map(\.bitPattern), nd.map(\.bitPattern), pd.description)
            var c = pf.c
            c.withUnsafeMutableBufferPointer { c in
                Float.gemm(transposeA: pf.transposeA, transposeB: pf.transposeB, m: pf.m, n: pf.n, k: pf.k, a: pf.a, lda: pf.lda,
                           b: pf.b, ldb: pf.ldb, beta: pf.beta, c: c.baseAddress!, ldc: pf.ldc)
            }
            XCTAssertEqual(c.map(\.bitPattern), nf.map(\.bitPattern), "dispatch: " + pf.description)
        }
    }

    /// Signed zeros follow the order too: the sum starts at +0, and beta·C is added after it.
    func testSignedZerosFollowTheOrder() throws {
        for path in Kernels.Path.available {
            // (−1)·(+0) = −0, and −0 + (+0) = +0: the accumulator that starts at +0 ends at +0.
            let a: [Float] = [-1, -1, -1, -1, -1, -1, -1, -1, -1]
            let b = [Float](repeating: 0, count: 9)
            var c = [Float](repeating: -0.0, count: 9)
            _ = Kernels.gemm(path, transposeA: false, transposeB: false, m: 3, n: 3, k: 3, a: a, lda: 3, b: b, ldb: 3, beta: 1,
                             c: &c, ldc: 3)
            XCTAssertEqual(c.map(\.sign), Array(repeating: .plus, count: 9), "\(path)")
        }
    }

    /// (d) A training run (SiLU, sigmoid and BCE, so exp and log1p too; a cosine schedule; two workers)
    /// gives the same bits on every path this CPU has, the scalar reference included, and the bits
    /// recorded here: the same on every x86-64 CPU.
    func testTrainingIsBitIdenticalOnEveryPath() {
        let n = 600
        let features = (0..<(n * 3)).map { sin(Double($0) * 0.731) * 2 }
        let targets = (0..<n).map { Double(($0 * 7) % 3 == 0 ? 1 : 0) }
        let weights = (0..<n).map { 0.5 + Double($0 % 5) * 0.25 }
        var settings = TrainingSettings()
        settings.epochs = 3
        settings.batchSize = 100
        settings.threads = 2
        settings.schedule = .cosine
        let architecture = Architecture(inputs: 3, hidden: [37, 21], activation: .silu)
        let data = TrainingData(features: features, targets: targets, weights: weights)
        let saved = (Kernels.choice, Kernels.pathLimit)
        Kernels.choice = .portable
        defer { (Kernels.choice, Kernels.pathLimit) = saved }

        var runs: [(path: Kernels.Path, parameters: [UInt32], loss: [UInt64], predictions: [UInt64])] = []
        for path in Kernels.Path.available.reversed() {
            Kernels.pathLimit = path
            XCTAssertEqual(Kernels.portablePath, path)
            let (network, history) = Trainer<Float>(architecture: architecture, settings: settings).train(data)
            runs.append((path, network.parameters.map(\.bitPattern), history.trainingLoss.map(\.bitPattern),
                         network.predict(Array(features.prefix(300))).map(\.bitPattern)))
        }
        for run in runs.dropFirst() {
            XCTAssertEqual(run.parameters, runs[0].parameters, "\(run.path) vs \(runs[0].path)")
            XCTAssertEqual(run.loss, runs[0].loss, "\(run.path) vs \(runs[0].path)")
            XCTAssertEqual(run.predictions, runs[0].predictions, "\(run.path) vs \(runs[0].path)")
        }

        // FNV-1a of the parameters' bits: a change here changes every trained network's bits (and
        // the fingerprints of the steps that train one).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for p in runs[0].parameters { hash = (hash ^ UInt64(p)) &* 0x100_0000_01b3 }
        XCTAssertEqual(String(hash, radix: 16), Self.recordedParameterHash, "paths \(runs.map(\.path))")
    }

    static let recordedParameterHash = "a058b7edc7fb4ccb"

    func testFamilyNamesTheKernels() {
        let saved = Kernels.choice
        defer { Kernels.choice = saved }
        Kernels.choice = .portable
        XCTAssertEqual(Kernels.family, "portable")
        Kernels.choice = .openblas
        XCTAssertTrue(Kernels.family.hasPrefix("openblas-") && Kernels.family.count > 9, Kernels.family)
        XCTAssertEqual(Kernels.fromEnvironment(nil), .portable)
        XCTAssertEqual(Kernels.fromEnvironment(""), .portable)
        XCTAssertEqual(Kernels.fromEnvironment("openblas"), .openblas)
        XCTAssertEqual(Kernels.fromEnvironment("OpenBLAS"), .openblas)
        XCTAssertEqual(Kernels.fromEnvironment("portable"), .portable)
        XCTAssertNil(Kernels.fromEnvironment("mkl"))
        XCTAssertEqual(Kernels.portablePath, Kernels.Path.available.last)
        XCTAssertEqual(Kernels.Path.allCases.map(\.name), ["reference", "avx2-fma", "avx512f"])
    }

    /// OpenBLAS computes the same products, in its own order: equal to float rounding.
    func testOpenBLASAgreesToRounding() throws {
        var g = TestGenerator(state: 7)
        let saved = Kernels.choice
        defer { Kernels.choice = saved }
        for s in shapes(&g, count: 40) {
            let p = Problem<Double>(&g, m: s.m, n: s.n, k: s.k, transposeA: s.ta, transposeB: s.tb, beta: s.beta)
            var results: [[Double]] = []
            for choice in Kernels.Choice.allCases {
                Kernels.choice = choice
                var c = p.c
                c.withUnsafeMutableBufferPointer { c in
                    Double.gemm(transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k, a: p.a, lda: p.lda,
                                b: p.b, ldb: p.ldb, beta: p.beta, c: c.baseAddress!, ldc: p.ldc)
                }
                results.append(c)
            }
            for i in 0..<p.m {
                for j in 0..<p.n {
                    XCTAssertEqual(results[0][i * p.ldc + j], results[1][i * p.ldc + j], accuracy: 1e-12 * Double(max(p.k, 1)), p.description)
                }
            }
        }
    }
}
