import CBLAS
import Foundation

/// The floating-point types a network can compute in: Float for training, Double for exact checks.
public protocol NetworkScalar: BinaryFloatingPoint, Sendable, CustomStringConvertible where Self.RawSignificand: FixedWidthInteger {
    /// C = A·B (+ beta·C), row-major; `transposeA/B` use the transposed operand.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exponential(_ x: Self) -> Self
    static func logOnePlus(_ x: Self) -> Self
    static func squareRoot(_ x: Self) -> Self
}

extension Float: NetworkScalar {
    @inlinable public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable public static func exponential(_ x: Float) -> Float { expf(x) }
    @inlinable public static func logOnePlus(_ x: Float) -> Float { log1pf(x) }
    @inlinable public static func squareRoot(_ x: Float) -> Float { x.squareRoot() }
}

extension Double: NetworkScalar {
    @inlinable public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                       a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                                       beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable public static func exponential(_ x: Double) -> Double { exp(x) }
    @inlinable public static func logOnePlus(_ x: Double) -> Double { log1p(x) }
    @inlinable public static func squareRoot(_ x: Double) -> Double { x.squareRoot() }
}

/// OpenBLAS's thread pool, shared by the whole process.
public enum BLASThreads {
    /// Sets how many threads OpenBLAS uses. Training and inference set 1 and split the rows over
    /// workers themselves: at these matrix sizes OpenBLAS's own busy-waiting threads scale worse.
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
}
