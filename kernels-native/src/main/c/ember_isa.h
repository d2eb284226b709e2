// The kernels one instruction set provides, as a table: each ISA file (generic.c, x86_avx2.c, arm_neon.c)
// defines one, ember_kernels.c picks the best one this CPU runs when the library loads, and the exported
// ember_rows_q4_0 and the like call through it. Private to the library: Java sees ember_kernels.h only.
#ifndef EMBER_ISA_H
#define EMBER_ISA_H

#include "ember_kernels.h"

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
