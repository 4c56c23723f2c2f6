import CBLAS
import CKernels

/// The floating-point types a network can compute in: Float for training, Double for exact checks.
public protocol NetworkScalar: BinaryFloatingPoint, Sendable, CustomStringConvertible where Self.RawSignificand: FixedWidthInteger {
    /// C = A·B (+ beta·C), row-major; `transposeA/B` use the transposed operand. With the portable
    /// kernels (`Kernels`), C[i][j] = fma(beta, C[i][j], Σ_p A[i][p]·B[p][j]) with the sum accumulated
    /// in increasing p by fused multiply-adds from +0 (C only written when beta is 0): the same bits on
    /// every CPU.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// e^x and ln(1 + x): flow's own (`PortableMath`), not glibc's, whose variants differ per CPU.
    static func exponential(_ x: Self) -> Self
    static func logOnePlus(_ x: Self) -> Self
    static func squareRoot(_ x: Self) -> Self
}

extension Float: NetworkScalar {
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        switch Kernels.current {
        case .portable:
            flow_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc)
        case .openblas:
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }
    @inlinable public static func exponential(_ x: Float) -> Float { PortableMath.exp(x) }
    @inlinable public static func logOnePlus(_ x: Float) -> Float { PortableMath.log1p(x) }
    @inlinable public static func squareRoot(_ x: Float) -> Float { x.squareRoot() }
}

extension Double: NetworkScalar {
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        switch Kernels.current {
        case .portable:
            flow_dgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc)
        case .openblas:
            cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }
    @inlinable public static func exponential(_ x: Double) -> Double { PortableMath.exp(x) }
    @inlinable public static func logOnePlus(_ x: Double) -> Double { PortableMath.log1p(x) }
    @inlinable public static func squareRoot(_ x: Double) -> Double { x.squareRoot() }
}

/// OpenBLAS's thread pool, shared by the whole process (the portable kernels are single-threaded).
public enum BLASThreads {
    /// Sets how many threads OpenBLAS uses. Training and inference set 1 and split the rows over
    /// workers themselves: at these matrix sizes OpenBLAS's own busy-waiting threads scale worse.
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
}
