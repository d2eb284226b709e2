// Ember's C kernels, called through Java's FFM API (dev.ember.kernels.ffm.NativeKernels).
//
// Dot products of 32-value block-format weight rows (Q4_0, Q8_0) with Q8_0 activations, as
// llama.cpp's ggml_vec_dot_q4_0_q8_0 / ggml_vec_dot_q8_0_q8_0 on AVX2: per block the exact integer
// products summed pairwise (vpmaddubsw, vpmaddwd) into 8 int lanes, converted to float and
// multiply-added with the block's dw * da into float lanes; the lanes are summed once per row.
// vpmaddubsw is the instruction the Java Vector API does not expose: it multiplies 32 byte pairs
// and adds adjacent products in one step, where the Vector API must widen to 16-bit lanes first.
//
// The file is compiled without -mavx2: only the functions marked EMBER_AVX2 use AVX2/FMA/F16C, and
// Java calls them only after ember_cpu_supported() said the CPU has them.

#include <stdint.h>
#include <string.h>
#include <immintrin.h>

#define EMBER_ABI_VERSION 1
#define EMBER_AVX2 __attribute__((target("avx2,fma,f16c")))

int ember_abi_version(void) { return EMBER_ABI_VERSION; }

int ember_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

EMBER_AVX2 static inline float half_to_float(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

EMBER_AVX2 static inline float sum_lanes(__m256 v) {
    // lanes added in a fixed order: the result does not depend on the caller
    __m128 lo = _mm256_castps256_ps128(v);
    __m128 hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// 32 signed bytes x times 32 signed bytes y, adjacent pairs summed, as 8 int lanes converted to float
EMBER_AVX2 static inline __m256 products(__m256i x, __m256i y) {
    // vpmaddubsw takes unsigned x signed: move x's sign onto y
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    const __m256i dot16 = _mm256_maddubs_epi16(ax, sy);
    const __m256i dot32 = _mm256_madd_epi16(dot16, _mm256_set1_epi16(1));
    return _mm256_cvtepi32_ps(dot32);
}

// Four accumulators per token, blocks dealt round-robin: one FMA chain would wait on the FMA's latency
// every block. The same order serves one token (decode) and four (prefill, where each weight
// block is unpacked once for the four), so a token's result does not depend on its batch.
#define ACC_SUM(a) sum_lanes(_mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3])))

// Q4_0 block: d (fp16), qs[16]: value j the low nibble of byte j, value j+16 its high nibble, minus 8
EMBER_AVX2 static inline __m256i q4_0_values(const uint8_t *wb) {
    const __m128i packed = _mm_loadu_si128((const __m128i *) (wb + 2));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
    return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), _mm256_set1_epi8(8));
}

// Q8_0 block: d (fp16), qs[32] (int8)
EMBER_AVX2 static inline __m256i q8_0_values(const uint8_t *wb) {
    return _mm256_loadu_si256((const __m256i *) (wb + 2));
}

#define DOT_KERNELS(type, W_BYTES)                                                                    \
    EMBER_AVX2 static float dot_##type(const uint8_t *w, const uint8_t *x, int blocks) {            \
        __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};                          \
        for (int b = 0; b < blocks; b++) {                                                           \
            const uint8_t *wb = w + (W_BYTES) * b;                                                   \
            const uint8_t *xb = x + 34 * b;                                                          \
            const __m256 p = products(type##_values(wb), _mm256_loadu_si256((const __m256i *) (xb + 2))); \
            acc[b & 3] = _mm256_fmadd_ps(p, _mm256_set1_ps(half_to_float(wb) * half_to_float(xb)), acc[b & 3]); \
        }                                                                                            \
        return ACC_SUM(acc);                                                              \
    }                                                                                                \
    EMBER_AVX2 static void dot4_##type(const uint8_t *w, const uint8_t *x, int64_t x_bytes, int blocks, \
                                       float *y, int64_t y_stride) {                                 \
        __m256 acc[4][4];                                                                            \
        for (int t = 0; t < 4; t++) {                                                                \
            acc[t][0] = acc[t][1] = acc[t][2] = acc[t][3] = _mm256_setzero_ps();                                          \
        }                                                                                            \
        for (int b = 0; b < blocks; b++) {                                                           \
            const uint8_t *wb = w + (W_BYTES) * b;                                                   \
            const __m256i q = type##_values(wb);                                                     \
            const float dw = half_to_float(wb);                                                      \
            for (int t = 0; t < 4; t++) {                                                            \
                const uint8_t *xb = x + t * x_bytes + 34 * b;                                        \
                const __m256 p = products(q, _mm256_loadu_si256((const __m256i *) (xb + 2)));       \
                acc[t][b & 3] = _mm256_fmadd_ps(p, _mm256_set1_ps(dw * half_to_float(xb)), acc[t][b & 3]); \
            }                                                                                        \
        }                                                                                            \
        for (int t = 0; t < 4; t++) {                                                                \
            y[t * y_stride] = ACC_SUM(acc[t]);                                         \
        }                                                                                            \
    }

DOT_KERNELS(q4_0, 18)
DOT_KERNELS(q8_0, 34)

// y[t * y_stride + i] = dot(row ids[i] (or i) of w, activation t) for i in [from, to), t in [0, batch).
// w: rows of row_bytes; x: batch activation rows of x_bytes (Q8_0 blocks); cols a multiple of 32.
// Rows are the outer loop so that a row (a few KB) stays in L1 while the batch's tokens meet it.
#define ROWS_KERNEL(name, type)                                                                       \
    EMBER_AVX2 void name(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from,      \
                         int32_t to, const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, \
                         float *y, int64_t y_stride) {                                               \
        const int blocks = cols / 32;                                                                \
        for (int32_t i = from; i < to; i++) {                                                        \
            const uint8_t *row = w + (ids ? (int64_t) ids[i] : (int64_t) i) * row_bytes;            \
            int32_t t = 0;                                                                           \
            for (; t + 4 <= batch; t += 4) {                                                         \
                dot4_##type(row, x + t * x_bytes, x_bytes, blocks, y + t * y_stride + i, y_stride);  \
            }                                                                                        \
            for (; t < batch; t++) {                                                                 \
                y[t * y_stride + i] = dot_##type(row, x + t * x_bytes, blocks);                      \
            }                                                                                        \
        }                                                                                            \
    }

ROWS_KERNEL(ember_rows_q4_0, q4_0)
ROWS_KERNEL(ember_rows_q8_0, q8_0)
