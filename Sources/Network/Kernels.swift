import CBLAS
import CKernels
import Foundation

/// The matrix kernels behind every product of a network.
///
/// `portable` (the default) is flow's own product (`Sources/CKernels`): each element of C accumulates
/// its k terms in increasing order, one fused multiply-add each, starting from +0, and beta·C is added
/// last in one more fused multiply-add (`C = beta == 0 ? acc : fma(beta, C, acc)`). That order is fixed,
/// so a network's bits are the same on every x86-64 CPU, whichever of its paths (AVX-512F, AVX2 + FMA,
/// or the scalar reference on CPUs with neither) this one runs. `openblas` uses OpenBLAS's kernels,
/// which OpenBLAS chooses per CPU family (Haswell, Zen, SkylakeX, …): faster on some CPUs, but the bits
/// of a trained network then depend on the machine.
///
/// The choice is read once from the environment variable `FLOW_KERNELS` (`portable` or `openblas`).
public enum Kernels {
    public enum Choice: String, Sendable, CaseIterable {
        case portable
        case openblas
    }

    /// The kernels in use: from `FLOW_KERNELS` at first use; setting it (before any training starts)
    /// switches for the whole process, as a benchmark comparing the two does.
    public static var choice: Choice {
        get { current }
        set { current = newValue }
    }

    /// What a record can state: "portable", or "openblas-" and OpenBLAS's core name ("openblas-Haswell").
    /// Results with the same family are bit-identical; "portable" ones on every x86-64 CPU.
    public static var family: String {
        switch choice {
        case .portable: return "portable"
        case .openblas: return "openblas-" + String(cString: openblas_get_corename())
        }
    }

    /// The instruction-set paths of the portable kernels. Every path gives the same bits; they differ
    /// only in speed.
    public enum Path: Int32, CaseIterable, Sendable {
        /// Three loops calling libm's fma: any CPU.
        case reference = 0
        /// Blocked AVX2 + FMA kernels (6 × 16 floats, 6 × 8 doubles).
        case avx2FMA = 1
        /// Blocked AVX-512F kernels (8 × 32 floats, 8 × 16 doubles).
        case avx512F = 2

        /// "reference", "avx2-fma" or "avx512f".
        public var name: String { String(cString: flow_kernels_path_name(rawValue)) }
        /// The paths this CPU can run.
        public static var available: [Path] { allCases.filter { $0.rawValue <= flow_kernels_best_path() } }
    }

    /// The path the portable kernels take on this CPU (the best available up to `pathLimit`).
    public static var portablePath: Path { Path(rawValue: flow_kernels_active_path()) ?? .reference }

    /// The fastest path the portable kernels may take (default: any), for benchmarks and tests; the
    /// bits do not depend on it.
    public static var pathLimit: Path {
        get { Path(rawValue: flow_kernels_path_limit()) ?? .avx512F }
        set { flow_kernels_limit_path(newValue.rawValue) }
    }

    nonisolated(unsafe) static var current: Choice = {
        let value = ProcessInfo.processInfo.environment["FLOW_KERNELS"]
        if let choice = fromEnvironment(value) { return choice }
        FileHandle.standardError.write(Data("flow: FLOW_KERNELS=\(value ?? "") is neither portable nor openblas; using portable\n".utf8))
        return .portable
    }()

    /// The choice a value of FLOW_KERNELS names (unset or empty: portable); nil for anything else.
    static func fromEnvironment(_ value: String?) -> Choice? {
        guard let value, !value.isEmpty else { return .portable }
        return Choice(rawValue: value.lowercased())
    }

    /// One path's product (see `NetworkScalar.gemm`), for tests; false when this CPU cannot run the path.
    static func gemm(_ path: Path, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        flow_sgemm_path(path.rawValue, transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc) == 0
    }

    static func gemm(_ path: Path, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                     beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) -> Bool {
        flow_dgemm_path(path.rawValue, transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc) == 0
    }
}
