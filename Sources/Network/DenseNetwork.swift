import Foundation
import Random

/// A fully connected network with one output, its parameters in one flat vector
/// (per layer: weights out × in row-major, then biases) and the input standardisation it was trained with.
public struct DenseNetwork<T: NetworkScalar>: Sendable {
    public var architecture: Architecture
    public var parameters: [T]
    public var standardisation: Standardisation

    public init(architecture: Architecture, parameters: [T], standardisation: Standardisation) {
        precondition(parameters.count == architecture.parameterCount, "parameter count does not match the architecture")
        self.architecture = architecture
        self.parameters = parameters
        self.standardisation = standardisation
    }

    /// He initialisation (normal, σ² = 2/fan-in) for hidden layers, Glorot (σ² = 2/(fan-in + fan-out)) for the
    /// output layer, zero biases; the draws come from the counter-based RNG, so a seed fixes the network.
    public init(architecture: Architecture, seed: UInt64, standardisation: Standardisation? = nil) {
        self.architecture = architecture
        self.standardisation = standardisation ?? .identity(architecture.inputs)
        var parameters = [T](repeating: 0, count: architecture.parameterCount)
        let key = CounterRNG.streamKey(seed: seed, stream: 0x4E45_5457)
        let widths = architecture.widths
        for (l, offset) in architecture.offsets.enumerated() {
            let (fanIn, fanOut) = (widths[l], widths[l + 1])
            let isOutput = l == architecture.layerCount - 1
            let sigma = isOutput ? (2.0 / Double(fanIn + fanOut)).squareRoot() : (2.0 / Double(fanIn)).squareRoot()
            for k in 0..<(fanIn * fanOut) {
                let index = UInt64(offset.weights + k)
                let event = CounterRNG.eventKey(key, index)
                // Box–Muller from two uniforms of this parameter's own stream, with flow's own log and
                // cos (glibc's may differ in the last bit between CPUs).
                let u1 = CounterRNG.uniform(event, 0), u2 = CounterRNG.uniform(event, 1)
                parameters[offset.weights + k] = T(sigma * (-2 * PortableMath.log(u1)).squareRoot() * PortableMath.cosPi(2 * u2))
            }
        }
        self.parameters = parameters
    }

    /// Outputs (probabilities for BCE, values for MSE) for rows of raw features (row-major, n × inputs).
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func predict(_ features: [Double], batchSize: Int = 16_384, threads: Int = 1) -> [Double] {
        let d = architecture.inputs
        let n = features.count / max(d, 1)
        var result = [Double](repeating: 0, count: n)
        // Batches start at fixed multiples of batchSize whatever the thread count, and workers take
        // every workers-th batch: each row meets the same matrix shapes, so the same bits, for any
        // number of threads (which is why the thread count need not be in a cache key).
        let batches = (n + batchSize - 1) / batchSize
        let workers = max(1, min(threads, batches))
        BLASThreads.set(1)
        result.withUnsafeMutableBufferPointer { out in
            let output = SendablePointer(out.baseAddress!)
            let run: (Int) -> Void = { t in
                guard t < batches else { return }
                let workspace = Workspace<T>(architecture: architecture, batchSize: min(batchSize, n), training: false)
                var batch = t
                while batch < batches {
                    let start = batch * batchSize, count = min(batchSize, n - start)
                    workspace.load(features, rows: start..<start + count, standardisation: standardisation)
                    forward(workspace, count: count)
                    let last = workspace.activations[architecture.layerCount]
                    for k in 0..<count { output.pointer[start + k] = Double(last[k]) }
                    batch += workers
                }
            }
            if workers == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: run) }
        }
        return result
    }

    /// Runs the batch in `workspace` through the network; pre-activations and activations stay in it.
    public func forward(_ workspace: Workspace<T>, count: Int) {
        let widths = architecture.widths
        parameters.withUnsafeBufferPointer { p in
            for (l, offset) in architecture.offsets.enumerated() {
                let (i, o) = (widths[l], widths[l + 1])
                let input = workspace.activations[l], z = workspace.preactivations[l + 1], a = workspace.activations[l + 1]
                // Z = b (every row) + A · Wᵀ: the bias rows are copied in, and the product added to them (beta 1).
                let bias = p.baseAddress! + offset.biases
                for r in 0..<count { (z + r * o).update(from: bias, count: o) }
                T.gemm(transposeA: false, transposeB: true, m: count, n: o, k: i, a: input, lda: i,
                       b: p.baseAddress! + offset.weights, ldb: i, beta: 1, c: z, ldc: o)
                architecture.activation(ofLayer: l).apply(z, into: a, count: count * o)
            }
        }
    }

    /// Back-propagates dLoss/dz of the output (in `workspace.delta`) and writes the parameter gradient.
    public func backward(_ workspace: Workspace<T>, count: Int, gradient: UnsafeMutablePointer<T>) {
        let widths = architecture.widths
        parameters.withUnsafeBufferPointer { p in
            for l in stride(from: architecture.layerCount - 1, through: 0, by: -1) {
                let offset = architecture.offsets[l]
                let (i, o) = (widths[l], widths[l + 1])
                let delta = workspace.deltas[l + 1]
                // dW = δᵀ · A_in  (o × i), db = Σ_rows δ.
                T.gemm(transposeA: true, transposeB: false, m: o, n: i, k: count, a: delta, lda: o,
                       b: workspace.activations[l], ldb: i, beta: 0, c: gradient + offset.weights, ldc: i)
                // db = δᵀ · 1, as a product with the workspace's column of ones.
                T.gemm(transposeA: true, transposeB: false, m: o, n: 1, k: count, a: delta, lda: o,
                       b: workspace.ones, ldb: 1, beta: 0, c: gradient + offset.biases, ldc: 1)
                guard l > 0 else { break }
                // δ_in = (δ · W) ⊙ σ'(z_in).
                let deltaIn = workspace.deltas[l]
                T.gemm(transposeA: false, transposeB: false, m: count, n: i, k: o, a: delta, lda: o,
                       b: p.baseAddress! + offset.weights, ldb: i, beta: 0, c: deltaIn, ldc: i)
                architecture.activation(ofLayer: l - 1).multiplyByDerivative(deltaIn, at: workspace.preactivations[l], count: count * i)
            }
        }
    }
}

/// Buffers for one batch size, allocated once and reused for every batch.
public final class Workspace<T: NetworkScalar>: @unchecked Sendable {
    public let batchSize: Int
    let architecture: Architecture
    /// Per layer (0 = inputs): activations and pre-activations (batch × width), and dLoss/dz.
    public let activations: [UnsafeMutablePointer<T>]
    let preactivations: [UnsafeMutablePointer<T>]
    public let deltas: [UnsafeMutablePointer<T>]

    /// Without `training`, pre-activations share the activations' memory (the activation is applied
    /// in place) and there are no gradient buffers: a third of the memory, for inference.
    public init(architecture: Architecture, batchSize: Int, training: Bool = true) {
        self.batchSize = batchSize
        self.architecture = architecture
        let widths = architecture.widths
        func allocate() -> [UnsafeMutablePointer<T>] {
            widths.map { w in
                let p = UnsafeMutablePointer<T>.allocate(capacity: batchSize * w)
                p.initialize(repeating: 0, count: batchSize * w)
                return p
            }
        }
        activations = allocate()
        preactivations = training ? allocate() : activations
        deltas = training ? allocate() : []
        ownsPreactivations = training
        ones = UnsafeMutablePointer<T>.allocate(capacity: batchSize)
        ones.initialize(repeating: 1, count: batchSize)
    }

    /// A column of ones, for bias gradients as a matrix product.
    let ones: UnsafeMutablePointer<T>

    private let ownsPreactivations: Bool

    deinit {
        (activations + deltas + (ownsPreactivations ? preactivations : []) + [ones]).forEach { $0.deallocate() }
    }

    /// Copies standardised rows of raw features into the input buffer.
    func load(_ features: [Double], rows: Range<Int>, standardisation: Standardisation) {
        let d = architecture.inputs
        let input = activations[0]
        features.withUnsafeBufferPointer { x in
            var k = 0
            for r in rows {
                let row = x.baseAddress! + r * d
                for j in 0..<d {
                    input[k] = T(standardisation.transform(row[j], j))
                    k += 1
                }
            }
        }
    }

    /// Copies standardised rows picked by `indices` (a shuffled batch).
    func load(_ features: UnsafePointer<T>, indices: ArraySlice<Int>) {
        let d = architecture.inputs
        let input = activations[0]
        for (k, r) in indices.enumerated() {
            (input + k * d).update(from: features + r * d, count: d)
        }
    }

    /// The network's output for row r of the last forward pass.
    public func output(_ r: Int) -> T { activations[architecture.layerCount][r] }
    public func logit(_ r: Int) -> T { preactivations[architecture.layerCount][r] }
}

/// How inputs are prepared before the first layer, kept with the model: optionally each feature mapped
/// through its empirical distribution function (a quantile transform, which spreads out the regions
/// where events are dense — a narrow resonance peak among them), then shifted and scaled to mean 0, σ 1.
public struct Standardisation: Sendable, Equatable {
    public var mean: [Double]
    public var scale: [Double]
    /// Per input, K increasing values of the training data at probabilities 0, 1/(K−1), …, 1; empty: no quantile map.
    public var quantiles: [[Double]]
    var inverseScale: [Double]

    public init(mean: [Double], scale: [Double], quantiles: [[Double]] = []) {
        self.mean = mean
        self.scale = scale
        self.quantiles = quantiles
        inverseScale = scale.map { $0 > 0 ? 1 / $0 : 1 }
    }

    public static func identity(_ inputs: Int) -> Standardisation {
        Standardisation(mean: Array(repeating: 0, count: inputs), scale: Array(repeating: 1, count: inputs))
    }

    /// Fits the maps on row-major features; `quantileKnots` > 1 adds the quantile transform.
    public static func fit(_ features: [Double], inputs d: Int, quantileKnots: Int = 0) -> Standardisation {
        let n = features.count / max(d, 1)
        var quantiles: [[Double]] = []
        if quantileKnots > 1 && n > 0 {
            for j in 0..<d {
                let sorted = (0..<n).map { features[$0 * d + j] }.sorted()
                quantiles.append((0..<quantileKnots).map { sorted[$0 * (n - 1) / (quantileKnots - 1)] })
            }
        }
        let partial = Standardisation(mean: Array(repeating: 0, count: d), scale: Array(repeating: 1, count: d), quantiles: quantiles)
        var mean = [Double](repeating: 0, count: d), square = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { mean[j] += partial.mapped(features[r * d + j], j) } }
        for j in 0..<d { mean[j] /= Double(max(n, 1)) }
        for r in 0..<n { for j in 0..<d { let x = partial.mapped(features[r * d + j], j) - mean[j]; square[j] += x * x } }
        return Standardisation(mean: mean, scale: (0..<d).map { (square[$0] / Double(max(n, 1))).squareRoot() }, quantiles: quantiles)
    }

    /// The quantile map alone: the value's position in the training distribution, in [0, 1].
    @inline(__always) func mapped(_ x: Double, _ j: Int) -> Double {
        guard !quantiles.isEmpty else { return x }
        let knots = quantiles[j]
        let last = knots.count - 1
        if x <= knots[0] { return 0 }
        if x >= knots[last] { return 1 }
        var lo = 0, hi = last
        while hi - lo > 1 {
            let mid = (lo + hi) >> 1
            if knots[mid] <= x { lo = mid } else { hi = mid }
        }
        let width = knots[hi] - knots[lo]
        let fraction = width > 0 ? (x - knots[lo]) / width : 0
        return (Double(lo) + fraction) / Double(last)
    }

    /// The network input for raw value x of feature j.
    @inline(__always) public func transform(_ x: Double, _ j: Int) -> Double {
        (mapped(x, j) - mean[j]) * inverseScale[j]
    }

    public static func == (a: Standardisation, b: Standardisation) -> Bool {
        a.mean == b.mean && a.scale == b.scale && a.quantiles == b.quantiles
    }
}

/// A pointer handed to worker threads that write disjoint parts of it.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
