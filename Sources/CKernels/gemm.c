// flow's matrix product: one summation order (flow_kernels.h) on every CPU.
//
// The vector paths compute R × (V·lanes) blocks of C with one vector accumulator per row and column
// group (register blocking: 6 × 16 floats with AVX2, 8 × 32 with AVX-512). For every p in increasing
// order a block does acc = fma(broadcast A[i][p], B[p][j…], acc), so each lane performs exactly the
// reference's sequence of fused multiply-adds for its element; beta·C is added after the last p, as in
// the reference. A is read in place; B is read in place when its rows are contiguous and the panel is
// full, otherwise packed into zero-padded panels. A product with very few columns is computed as its
// transpose (Cᵀ = Bᵀ·Aᵀ, the same products in the same order), so the vectors run along the long side.
//
// The vector code is compiled per function (`target` attributes) and chosen at run time, so the
// library runs on any x86-64. This file must be compiled without FP contraction (-ffp-contract=off in
// Package.swift), so the reference's fma calls are its only fused operations.

#include "flow_kernels.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define FLOW_X86 1
#else
#define FLOW_X86 0
#endif

// MARK: - CPU detection and the switch

static int best_path;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static atomic_int path_limit = FLOW_PATH_AVX512F;

static void detect(void) {
    best_path = FLOW_PATH_REFERENCE;
#if FLOW_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best_path = FLOW_PATH_AVX2_FMA;
    if (__builtin_cpu_supports("avx512f")) best_path = FLOW_PATH_AVX512F;
#endif
}

int flow_kernels_best_path(void) {
    pthread_once(&detect_once, detect);
    return best_path;
}

int flow_kernels_active_path(void) {
    int best = flow_kernels_best_path(), limit = atomic_load_explicit(&path_limit, memory_order_relaxed);
    return best < limit ? best : limit;
}

void flow_kernels_limit_path(int path) { atomic_store(&path_limit, path); }
int flow_kernels_path_limit(void) { return atomic_load(&path_limit); }

const char *flow_kernels_path_name(int path) {
    switch (path) {
    case FLOW_PATH_AVX2_FMA: return "avx2-fma";
    case FLOW_PATH_AVX512F: return "avx512f";
    default: return "reference";
    }
}

// MARK: - The reference

#define A_AT(i, p) (trans_a ? a[(p) * lda + (i)] : a[(i) * lda + (p)])
#define B_AT(p, j) (trans_b ? b[(j) * ldb + (p)] : b[(p) * ldb + (j)])

static void reference_s(int trans_a, int trans_b, long m, long n, long k, const float *a, long lda,
                        const float *b, long ldb, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) {
            float acc = 0;
            for (long p = 0; p < k; p++) acc = fmaf(A_AT(i, p), B_AT(p, j), acc);
            float *out = c + i * ldc + j;
            *out = beta == 0 ? acc : fmaf(beta, *out, acc);
        }
    }
}

static void reference_d(int trans_a, int trans_b, long m, long n, long k, const double *a, long lda,
                        const double *b, long ldb, double beta, double *c, long ldc) {
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) {
            double acc = 0;
            for (long p = 0; p < k; p++) acc = fma(A_AT(i, p), B_AT(p, j), acc);
            double *out = c + i * ldc + j;
            *out = beta == 0 ? acc : fma(beta, *out, acc);
        }
    }
}

// MARK: - Per-thread buffers

enum { SCRATCH_PACK, SCRATCH_TRANSPOSED, SCRATCH_SLOTS };

struct scratch {
    size_t bytes[SCRATCH_SLOTS];
    void *memory[SCRATCH_SLOTS];
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_release(void *p) {
    struct scratch *s = p;
    for (int i = 0; i < SCRATCH_SLOTS; i++) free(s->memory[i]);
    free(s);
}

static void scratch_make_key(void) {
    if (pthread_key_create(&scratch_key, scratch_release) != 0) abort();
}

/// At least `bytes` of 64-byte aligned memory, this thread's own, reused by its next call.
static void *scratch(int slot, size_t bytes) {
    pthread_once(&scratch_once, scratch_make_key);
    struct scratch *s = pthread_getspecific(scratch_key);
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (s == NULL || pthread_setspecific(scratch_key, s) != 0) abort();
    }
    if (s->bytes[slot] < bytes) {
        free(s->memory[slot]);
        size_t rounded = (bytes + 4095) & ~(size_t)4095;
        s->memory[slot] = aligned_alloc(64, rounded);
        if (s->memory[slot] == NULL) abort();
        s->bytes[slot] = rounded;
    }
    return s->memory[slot];
}

// MARK: - Packing B

// A panel holds `nr` columns of op(B) for every p, dst[p * nr + j]; columns past `cols` are zero.
#define DEFINE_PACK_B(T, S)                                                                           \
    static void pack_b_##S(int trans_b, long cols, long k, const T *b, long ldb, long nr, T *dst) {   \
        if (trans_b) {                                                                                \
            for (long j = 0; j < nr; j++) {                                                           \
                if (j < cols) {                                                                       \
                    const T *src = b + j * ldb;                                                       \
                    for (long p = 0; p < k; p++) dst[p * nr + j] = src[p];                            \
                } else {                                                                              \
                    for (long p = 0; p < k; p++) dst[p * nr + j] = 0;                                 \
                }                                                                                     \
            }                                                                                         \
        } else {                                                                                      \
            for (long p = 0; p < k; p++) {                                                            \
                const T *src = b + p * ldb;                                                           \
                long j = 0;                                                                           \
                for (; j < cols; j++) dst[p * nr + j] = src[j];                                       \
                for (; j < nr; j++) dst[p * nr + j] = 0;                                              \
            }                                                                                         \
        }                                                                                             \
    }

DEFINE_PACK_B(float, s)
DEFINE_PACK_B(double, d)

#if FLOW_X86

// MARK: - Vector operations, one set per instruction set and element type

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline))

typedef __m256 vec_avx2_s;
typedef __m256i masktype_avx2_s;
INLINE AVX2 __m256 zero_avx2_s(void) { return _mm256_setzero_ps(); }
INLINE AVX2 __m256 load_avx2_s(const float *p) { return _mm256_loadu_ps(p); }
INLINE AVX2 __m256 bcast_avx2_s(const float *p) { return _mm256_broadcast_ss(p); }
INLINE AVX2 __m256 set1_avx2_s(float x) { return _mm256_set1_ps(x); }
INLINE AVX2 __m256 fma_avx2_s(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
INLINE AVX2 void store_avx2_s(float *p, __m256 v) { _mm256_storeu_ps(p, v); }
INLINE AVX2 __m256i mask_avx2_s(long valid) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
INLINE AVX2 __m256 maskload_avx2_s(const float *p, __m256i m) { return _mm256_maskload_ps(p, m); }
INLINE AVX2 void maskstore_avx2_s(float *p, __m256i m, __m256 v) { _mm256_maskstore_ps(p, m, v); }

typedef __m256d vec_avx2_d;
typedef __m256i masktype_avx2_d;
INLINE AVX2 __m256d zero_avx2_d(void) { return _mm256_setzero_pd(); }
INLINE AVX2 __m256d load_avx2_d(const double *p) { return _mm256_loadu_pd(p); }
INLINE AVX2 __m256d bcast_avx2_d(const double *p) { return _mm256_broadcast_sd(p); }
INLINE AVX2 __m256d set1_avx2_d(double x) { return _mm256_set1_pd(x); }
INLINE AVX2 __m256d fma_avx2_d(__m256d a, __m256d b, __m256d c) { return _mm256_fmadd_pd(a, b, c); }
INLINE AVX2 void store_avx2_d(double *p, __m256d v) { _mm256_storeu_pd(p, v); }
INLINE AVX2 __m256i mask_avx2_d(long valid) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(valid), _mm256_setr_epi64x(0, 1, 2, 3));
}
INLINE AVX2 __m256d maskload_avx2_d(const double *p, __m256i m) { return _mm256_maskload_pd(p, m); }
INLINE AVX2 void maskstore_avx2_d(double *p, __m256i m, __m256d v) { _mm256_maskstore_pd(p, m, v); }

typedef __m512 vec_avx512_s;
typedef __mmask16 masktype_avx512_s;
INLINE AVX512 __m512 zero_avx512_s(void) { return _mm512_setzero_ps(); }
INLINE AVX512 __m512 load_avx512_s(const float *p) { return _mm512_loadu_ps(p); }
INLINE AVX512 __m512 bcast_avx512_s(const float *p) { return _mm512_set1_ps(*p); }
INLINE AVX512 __m512 set1_avx512_s(float x) { return _mm512_set1_ps(x); }
INLINE AVX512 __m512 fma_avx512_s(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
INLINE AVX512 void store_avx512_s(float *p, __m512 v) { _mm512_storeu_ps(p, v); }
INLINE AVX512 __mmask16 mask_avx512_s(long valid) { return (__mmask16)((1u << valid) - 1); }
INLINE AVX512 __m512 maskload_avx512_s(const float *p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
INLINE AVX512 void maskstore_avx512_s(float *p, __mmask16 m, __m512 v) { _mm512_mask_storeu_ps(p, m, v); }

typedef __m512d vec_avx512_d;
typedef __mmask8 masktype_avx512_d;
INLINE AVX512 __m512d zero_avx512_d(void) { return _mm512_setzero_pd(); }
INLINE AVX512 __m512d load_avx512_d(const double *p) { return _mm512_loadu_pd(p); }
INLINE AVX512 __m512d bcast_avx512_d(const double *p) { return _mm512_set1_pd(*p); }
INLINE AVX512 __m512d set1_avx512_d(double x) { return _mm512_set1_pd(x); }
INLINE AVX512 __m512d fma_avx512_d(__m512d a, __m512d b, __m512d c) { return _mm512_fmadd_pd(a, b, c); }
INLINE AVX512 void store_avx512_d(double *p, __m512d v) { _mm512_storeu_pd(p, v); }
INLINE AVX512 __mmask8 mask_avx512_d(long valid) { return (__mmask8)((1u << valid) - 1); }
INLINE AVX512 __m512d maskload_avx512_d(const double *p, __mmask8 m) { return _mm512_maskz_loadu_pd(m, p); }
INLINE AVX512 void maskstore_avx512_d(double *p, __mmask8 m, __m512d v) { _mm512_mask_storeu_pd(p, m, v); }

// MARK: - The blocked product, once per instruction set and element type

/// DEFINE_GEMM(ISA, S, T, ATTR, LANES, MR, VMAX, NARROW): vectors of LANES elements, blocks of up to MR
/// rows × VMAX vectors; a product with fewer than NARROW columns (and more rows) is computed transposed.
#define DEFINE_GEMM(ISA, S, T, ATTR, LANES, MR, VMAX, NARROW)                                          \
    /* C[0..R)[0..cols) of the block at c: A(r, p) at a[r * rs + p * ps], B(p, v·LANES…) at          \
       b[p * bs + v * LANES], with V·LANES ≥ cols and every B element read valid. */                  \
    INLINE ATTR void block_##ISA##_##S(const int R, const int V, long k, const T *a, long rs, long ps,  \
                                       const T *b, long bs, T *c, long ldc, long cols, T beta) {      \
        vec_##ISA##_##S acc[MR][VMAX];                                                                \
        for (int r = 0; r < R; r++)                                                                   \
            for (int v = 0; v < V; v++) acc[r][v] = zero_##ISA##_##S();                               \
        const T *ar[MR];                                                                              \
        for (int r = 0; r < R; r++) ar[r] = a + r * rs;                                               \
        for (long p = 0; p < k; p++) {                                                                \
            vec_##ISA##_##S bv[VMAX];                                                                 \
            for (int v = 0; v < V; v++) bv[v] = load_##ISA##_##S(b + v * LANES);                      \
            for (int r = 0; r < R; r++) {                                                             \
                vec_##ISA##_##S x = bcast_##ISA##_##S(ar[r]);                                         \
                for (int v = 0; v < V; v++) acc[r][v] = fma_##ISA##_##S(x, bv[v], acc[r][v]);         \
                ar[r] += ps;                                                                          \
            }                                                                                         \
            b += bs;                                                                                  \
        }                                                                                             \
        vec_##ISA##_##S betas = set1_##ISA##_##S(beta);                                               \
        for (int v = 0; v < V; v++) {                                                                 \
            long valid = cols - v * LANES;                                                            \
            if (valid >= LANES) {                                                                     \
                for (int r = 0; r < R; r++) {                                                         \
                    T *out = c + r * ldc + v * LANES;                                                 \
                    vec_##ISA##_##S x = acc[r][v];                                                    \
                    if (beta != 0) x = fma_##ISA##_##S(betas, load_##ISA##_##S(out), x);              \
                    store_##ISA##_##S(out, x);                                                        \
                }                                                                                     \
            } else {                                                                                  \
                masktype_##ISA##_##S mask = mask_##ISA##_##S(valid);                                      \
                for (int r = 0; r < R; r++) {                                                         \
                    T *out = c + r * ldc + v * LANES;                                                 \
                    vec_##ISA##_##S x = acc[r][v];                                                    \
                    if (beta != 0) x = fma_##ISA##_##S(betas, maskload_##ISA##_##S(out, mask), x);    \
                    maskstore_##ISA##_##S(out, mask, x);                                              \
                }                                                                                     \
            }                                                                                         \
        }                                                                                             \
    }                                                                                                 \
                                                                                                      \
    /* One compiled block per (rows, vectors): the loops above unroll into registers. */              \
    static ATTR void dispatch_##ISA##_##S(int R, int V, long k, const T *a, long rs, long ps,          \
                                          const T *b, long bs, T *c, long ldc, long cols, T beta) {   \
        _Static_assert(MR <= 8 && VMAX <= 2, "dispatch covers 8 rows and 2 vectors");                 \
        switch ((R - 1) * 2 + (V - 1)) {                                                              \
        case 0: block_##ISA##_##S(1, 1, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 1: block_##ISA##_##S(1, 2, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 2: block_##ISA##_##S(2, 1, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 3: block_##ISA##_##S(2, 2, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 4: block_##ISA##_##S(3, 1, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 5: block_##ISA##_##S(3, 2, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 6: block_##ISA##_##S(4, 1, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 7: block_##ISA##_##S(4, 2, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 8: block_##ISA##_##S(5, 1, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 9: block_##ISA##_##S(5, 2, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;              \
        case 10: block_##ISA##_##S(6, 1, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;             \
        case 11: block_##ISA##_##S(6, 2, k, a, rs, ps, b, bs, c, ldc, cols, beta); break;             \
        case 12: if (MR >= 7) block_##ISA##_##S(MR >= 7 ? 7 : 1, 1, k, a, rs, ps, b, bs, c, ldc, cols, beta); break; \
        case 13: if (MR >= 7) block_##ISA##_##S(MR >= 7 ? 7 : 1, 2, k, a, rs, ps, b, bs, c, ldc, cols, beta); break; \
        case 14: if (MR >= 8) block_##ISA##_##S(MR >= 8 ? 8 : 1, 1, k, a, rs, ps, b, bs, c, ldc, cols, beta); break; \
        case 15: if (MR >= 8) block_##ISA##_##S(MR >= 8 ? 8 : 1, 2, k, a, rs, ps, b, bs, c, ldc, cols, beta); break; \
        }                                                                                             \
    }                                                                                                 \
                                                                                                      \
    static ATTR void blocked_##ISA##_##S(int trans_a, int trans_b, long m, long n, long k, const T *a,  \
                                         long lda, const T *b, long ldb, T beta, T *c, long ldc) {    \
        const long nr = VMAX * LANES;                                                                 \
        const long rs = trans_a ? 1 : lda, ps = trans_a ? lda : 1;                                    \
        const long panels = (n + nr - 1) / nr, edge = n % nr;                                         \
        /* B in place where its rows are contiguous and the panel full; else packed. */               \
        const long packed = trans_b ? panels : (edge ? 1 : 0);                                        \
        T *pb = packed ? scratch(SCRATCH_PACK, (size_t)(packed * nr * (k > 0 ? k : 1)) * sizeof(T)) : NULL; \
        for (long q = trans_b ? 0 : panels - packed; q < panels; q++) {                               \
            long cols = n - q * nr < nr ? n - q * nr : nr;                                            \
            long width = (cols + LANES - 1) / LANES * LANES, slot = trans_b ? q : 0;                  \
            pack_b_##S(trans_b, cols, k, trans_b ? b + q * nr * ldb : b + q * nr, ldb, width, pb + slot * nr * k); \
        }                                                                                             \
        /* Rows in blocks of about 128 KiB of A, which every column panel then reads from cache. */   \
        long block = (131072 / (long)sizeof(T)) / (k > 0 ? k : 1) / MR * MR;                          \
        if (block < MR) block = MR;                                                                   \
        for (long i0 = 0; i0 < m; i0 += block) {                                                      \
            long end = i0 + block < m ? i0 + block : m;                                               \
            for (long q = 0; q < panels; q++) {                                                       \
                long cols = n - q * nr < nr ? n - q * nr : nr;                                        \
                int vectors = (int)((cols + LANES - 1) / LANES);                                      \
                const T *bp;                                                                          \
                long bs;                                                                              \
                if (!trans_b && cols == nr) {                                                         \
                    bp = b + q * nr;                                                                  \
                    bs = ldb;                                                                         \
                } else {                                                                              \
                    bp = pb + (trans_b ? q : 0) * nr * k;                                             \
                    bs = vectors * LANES;                                                             \
                }                                                                                     \
                for (long i = i0; i < end; i += MR) {                                                 \
                    int rows = (int)(end - i < MR ? end - i : MR);                                    \
                    dispatch_##ISA##_##S(rows, vectors, k, a + i * rs, rs, ps, bp, bs, c + i * ldc + q * nr, \
                                         ldc, cols, beta);                                            \
                }                                                                                     \
            }                                                                                         \
        }                                                                                             \
    }                                                                                                 \
                                                                                                      \
    static ATTR void gemm_##ISA##_##S(int trans_a, int trans_b, long m, long n, long k, const T *a,     \
                                      long lda, const T *b, long ldb, T beta, T *c, long ldc) {       \
        if (m <= 0 || n <= 0) return;                                                                 \
        if (k < 0) k = 0;                                                                             \
        if (m * n < 16) {                                                                             \
            /* A handful of elements: one scalar fma chain each. */                                   \
            for (long i = 0; i < m; i++) {                                                            \
                for (long j = 0; j < n; j++) {                                                        \
                    T x = 0, *out = c + i * ldc + j;                                                  \
                    for (long p = 0; p < k; p++)                                                      \
                        x = FMA_##S(trans_a ? a[p * lda + i] : a[i * lda + p],                        \
                                    trans_b ? b[j * ldb + p] : b[p * ldb + j], x);                    \
                    *out = beta == 0 ? x : FMA_##S(beta, *out, x);                                    \
                }                                                                                     \
            }                                                                                         \
            return;                                                                                   \
        }                                                                                             \
        if (n < NARROW && m > n && trans_a) {                                                         \
            /* Few columns and op(A)ᵀ's rows contiguous: Cᵀ (n × m) = op(B)ᵀ · op(A)ᵀ into a buffer,   \
               with the vectors along m, then beta·C added as the reference does. */                  \
            T *t = scratch(SCRATCH_TRANSPOSED, (size_t)(n * m) * sizeof(T));                          \
            blocked_##ISA##_##S(!trans_b, !trans_a, n, m, k, b, ldb, a, lda, 0, t, m);                \
            for (long i = 0; i < m; i++) {                                                            \
                for (long j = 0; j < n; j++) {                                                        \
                    T x = t[j * m + i], *out = c + i * ldc + j;                                       \
                    *out = beta == 0 ? x : FMA_##S(beta, *out, x);                                    \
                }                                                                                     \
            }                                                                                         \
            return;                                                                                   \
        }                                                                                             \
        blocked_##ISA##_##S(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);                 \
    }

#define FMA_s fmaf
#define FMA_d fma

DEFINE_GEMM(avx2, s, float, AVX2, 8, 6, 2, 8)
DEFINE_GEMM(avx2, d, double, AVX2, 4, 6, 2, 4)
DEFINE_GEMM(avx512, s, float, AVX512, 16, 8, 2, 16)
DEFINE_GEMM(avx512, d, double, AVX512, 8, 8, 2, 8)

#endif

// MARK: - Entry points

int flow_sgemm_path(int path, int trans_a, int trans_b, long m, long n, long k, const float *a, long lda,
                    const float *b, long ldb, float beta, float *c, long ldc) {
    if (path != FLOW_PATH_REFERENCE && path > flow_kernels_best_path()) return -1;
    switch (path) {
    case FLOW_PATH_REFERENCE: reference_s(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc); return 0;
#if FLOW_X86
    case FLOW_PATH_AVX2_FMA: gemm_avx2_s(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc); return 0;
    case FLOW_PATH_AVX512F: gemm_avx512_s(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc); return 0;
#endif
    default: return -1;
    }
}

int flow_dgemm_path(int path, int trans_a, int trans_b, long m, long n, long k, const double *a, long lda,
                    const double *b, long ldb, double beta, double *c, long ldc) {
    if (path != FLOW_PATH_REFERENCE && path > flow_kernels_best_path()) return -1;
    switch (path) {
    case FLOW_PATH_REFERENCE: reference_d(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc); return 0;
#if FLOW_X86
    case FLOW_PATH_AVX2_FMA: gemm_avx2_d(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc); return 0;
    case FLOW_PATH_AVX512F: gemm_avx512_d(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc); return 0;
#endif
    default: return -1;
    }
}

void flow_sgemm(int trans_a, int trans_b, long m, long n, long k, const float *a, long lda, const float *b,
                long ldb, float beta, float *c, long ldc) {
    flow_sgemm_path(flow_kernels_active_path(), trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

void flow_dgemm(int trans_a, int trans_b, long m, long n, long k, const double *a, long lda, const double *b,
                long ldb, double beta, double *c, long ldc) {
    flow_dgemm_path(flow_kernels_active_path(), trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
}
