#ifndef FLOW_KERNELS_H
#define FLOW_KERNELS_H

/// flow's own matrix product, the same bits on every x86-64 CPU.
///
/// C = A·B (+ beta·C), row-major, with op(A) m × k and op(B) k × n; `trans_a` / `trans_b` non-zero use
/// the transposed operand (A stored k × m, B stored n × k). Every element of C is defined as
///
///     acc = +0
///     for p = 0, 1, …, k − 1:  acc = fma(op(A)[i][p], op(B)[p][j], acc)     (one rounding per term)
///     C[i][j] = beta == 0 ? acc : fma(beta, C[i][j], acc)
///
/// with fma the correctly rounded fused multiply-add: when beta is 0, C is only written (it may hold
/// anything, NaN included); otherwise beta·C is added last, in one rounding. Blocking, vector width and
/// instruction set never change this order, so the result does not depend on the CPU.
///
/// The paths: 0, the scalar reference (three loops calling libm's fma, correctly rounded in hardware or
/// software alike); 1, AVX2 + FMA; 2, AVX-512F. Each vector lane runs exactly the reference's sequence
/// of fused multiply-adds for one element of C, so every path gives the reference's bits.
enum {
    FLOW_PATH_REFERENCE = 0,
    FLOW_PATH_AVX2_FMA = 1,
    FLOW_PATH_AVX512F = 2,
};

/// The product on the fastest path this CPU has and `flow_kernels_limit_path` allows (the reference
/// where the CPU has neither AVX2 + FMA nor AVX-512F).
void flow_sgemm(int trans_a, int trans_b, long m, long n, long k, const float *a, long lda,
                const float *b, long ldb, float beta, float *c, long ldc);
void flow_dgemm(int trans_a, int trans_b, long m, long n, long k, const double *a, long lda,
                const double *b, long ldb, double beta, double *c, long ldc);

/// The product on one path; returns 0, or −1 (and does nothing) when this CPU cannot run it.
int flow_sgemm_path(int path, int trans_a, int trans_b, long m, long n, long k, const float *a, long lda,
                    const float *b, long ldb, float beta, float *c, long ldc);
int flow_dgemm_path(int path, int trans_a, int trans_b, long m, long n, long k, const double *a, long lda,
                    const double *b, long ldb, double beta, double *c, long ldc);

/// The fastest path this CPU has: one of FLOW_PATH_*.
int flow_kernels_best_path(void);
/// The path `flow_*gemm` takes now: the best one up to the limit.
int flow_kernels_active_path(void);
/// The fastest path `flow_*gemm` may take (default FLOW_PATH_AVX512F, i.e. any), for tests and
/// benchmarks: the bits are the same on every path.
void flow_kernels_limit_path(int path);
int flow_kernels_path_limit(void);
/// "reference", "avx2-fma" or "avx512f".
const char *flow_kernels_path_name(int path);

#endif
