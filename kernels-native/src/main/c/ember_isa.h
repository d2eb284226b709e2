// The kernels one instruction set provides, as a table: each ISA file (generic.c, x86_avx2.c, arm_neon.c)
// defines one, ember_kernels.c picks the best one this CPU runs when the library loads, and the exported
// ember_rows_q4_0 and the like call through it. Private to the library: Java sees ember_kernels.h only.
#ifndef EMBER_ISA_H
#define EMBER_ISA_H

#include "ember_kernels.h"

#include <math.h>

typedef void (*ember_rows_fn)(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                              const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y,
                              int64_t y_stride);
typedef void (*ember_accumulate_fn)(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                                    int32_t count, int32_t from, int32_t to, float *y);
typedef void (*ember_sparse_ffn_fn)(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids,
                                    const int32_t *starts, int32_t from_chunk, int32_t to_chunk, const uint8_t *x,
                                    int32_t dim, const float *gate, enum ember_activation act, float *partials,
                                    float *h_out);
typedef void (*ember_reduce_fn)(const float *partials, int32_t chunks, int32_t dim, int32_t from, int32_t to,
                                float *out);

struct ember_isa_kernels {
    enum ember_isa isa;
    int (*runs_here)(void); // 1 when this CPU has the instructions
    ember_rows_fn rows_q4_0, rows_q8_0, rows_q4_k, rows_q6_k, rows_q4_0_x8, rows_q4_0_r8b, rows_q4_k_x8;
    ember_accumulate_fn accumulate_q4_0, accumulate_q8_0, accumulate_r8d_q4_0, accumulate_r8d_q8_0;
    ember_sparse_ffn_fn sparse_ffn_q4_0, sparse_ffn_q8_0, sparse_ffn_q4_k, sparse_ffn_q6_k;
    ember_reduce_fn reduce_partials;
};

// Q4_K's 12 bytes of packed 6-bit scales and minimums, one sub-block at a time: sub-blocks 0..3 in the low 6 bits of
// bytes 0..3 (scales) and 4..7 (mins); 4..7 in the nibbles of bytes 8..11, the top 2 bits of bytes 0..7 above them.
// (x86_avx2.c's q4_k_scales_mins unpacks the same with vector operations.)
static inline void unpack_q4_k_scales(const uint8_t *p, uint8_t sc[8], uint8_t mn[8]) {
    for (int s = 0; s < 4; s++) {
        sc[s] = p[s] & 63;
        mn[s] = p[s + 4] & 63;
        sc[s + 4] = (p[s + 8] & 0x0F) | (p[s] >> 6) << 4;
        mn[s + 4] = (p[s + 8] >> 4) | (p[s + 4] >> 6) << 4;
    }
}

// The FFN activation of the fused sparse pass (GELU in its tanh form, as llama.cpp's)
static inline float ember_activate(enum ember_activation act, float g) {
    if (act == EMBER_SILU) {
        return g / (1.0f + expf(-g));
    }
    if (act == EMBER_RELU) {
        return g > 0.0f ? g : 0.0f;
    }
    return 0.5f * g * (1.0f + tanhf(0.7978845608f * (g + 0.044715f * g * g * g)));
}

extern const struct ember_isa_kernels ember_generic_kernels;
#if defined(__x86_64__)
extern const struct ember_isa_kernels ember_avx512vnni_kernels;
extern const struct ember_isa_kernels ember_avx2_kernels;
#endif
#if defined(__aarch64__)
extern const struct ember_isa_kernels ember_neon_kernels;
extern const struct ember_isa_kernels ember_neon_dotprod_kernels;
#endif

#endif
