// Ember's C kernels, the portable part: the ABI version, memory for repacked copies, the layouts the kernels
// read (x8, r8b and r8d rows, neuron bundles), made by copying bytes, and the choice of kernels. The kernels
// themselves are in one file per instruction set (generic.c, x86_avx2.c, arm_neon.c), each a table
// (ember_isa.h); ember_kernels.h lists every exported function.

#include "ember_kernels.h"
#include "ember_isa.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int ember_abi_version(void) { return EMBER_ABI_VERSION; }

// Every kernel set built into this library, best first; the first the CPU runs is chosen when the library loads
// (before Java can call in), so the products never test the CPU.
static const struct ember_isa_kernels *const SETS[] = {
#if defined(__x86_64__)
    &ember_avx512vnni_kernels,
    &ember_avx2_kernels,
#endif
#if defined(__aarch64__)
    &ember_neon_dotprod_kernels,
    &ember_neon_kernels,
#endif
    &ember_generic_kernels,
};

static const struct ember_isa_kernels *active = &ember_generic_kernels;

__attribute__((constructor)) static void choose_kernels(void) {
    for (size_t i = 0; i < sizeof SETS / sizeof SETS[0]; i++) {
        if (SETS[i]->runs_here()) {
            active = SETS[i];
            return;
        }
    }
}

int ember_active_isa(void) { return (int) active->isa; }

int ember_select_isa(enum ember_isa isa) {
    for (size_t i = 0; i < sizeof SETS / sizeof SETS[0]; i++) {
        if (SETS[i]->isa == isa && SETS[i]->runs_here()) {
            active = SETS[i];
            return 1;
        }
    }
    return 0;
}

// --- the products, through the chosen set ---

void ember_rows_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                     const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    active->rows_q4_0(w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

void ember_rows_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                     const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    active->rows_q8_0(w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

void ember_rows_q4_k(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                     const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    active->rows_q4_k(w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

void ember_rows_q6_k(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                     const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    active->rows_q6_k(w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

void ember_rows_q4_0_x8(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                        const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    active->rows_q4_0_x8(packed, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

void ember_rows_q4_0_r8b(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                         const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    active->rows_q4_0_r8b(packed, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

void ember_rows_q4_k_x8(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                        const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    active->rows_q4_k_x8(packed, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

void ember_accumulate_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count,
                           int32_t from, int32_t to, float *y) {
    active->accumulate_q4_0(w, row_bytes, ids, a, count, from, to, y);
}

void ember_accumulate_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count,
                           int32_t from, int32_t to, float *y) {
    active->accumulate_q8_0(w, row_bytes, ids, a, count, from, to, y);
}

void ember_accumulate_r8d_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                               int32_t count, int32_t from, int32_t to, float *y) {
    active->accumulate_r8d_q4_0(w, row_bytes, ids, a, count, from, to, y);
}

void ember_accumulate_r8d_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                               int32_t count, int32_t from, int32_t to, float *y) {
    active->accumulate_r8d_q8_0(w, row_bytes, ids, a, count, from, to, y);
}

void ember_sparse_ffn_q4_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                           enum ember_activation act, float *partials, float *h_out) {
    active->sparse_ffn_q4_0(bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials,
                            h_out);
}

void ember_sparse_ffn_q8_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                           enum ember_activation act, float *partials, float *h_out) {
    active->sparse_ffn_q8_0(bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials,
                            h_out);
}

void ember_sparse_ffn_q4_k(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                           enum ember_activation act, float *partials, float *h_out) {
    active->sparse_ffn_q4_k(bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials,
                            h_out);
}

void ember_sparse_ffn_q6_k(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                           enum ember_activation act, float *partials, float *h_out) {
    active->sparse_ffn_q6_k(bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials,
                            h_out);
}

void ember_reduce_partials(const float *partials, int32_t chunks, int32_t dim, int32_t from, int32_t to, float *out) {
    active->reduce_partials(partials, chunks, dim, from, to, out);
}

// Memory for the repacked copies of weights, on 2 MiB boundaries and marked for transparent huge pages: the
// sparse kernels jump between rows, and with 4 KiB pages nearly every chosen row costs a TLB miss
// (docs/performance.md, "C kernel choices"). NULL if it cannot be had.
void *ember_alloc(int64_t bytes) {
    const size_t huge = (size_t) 2 << 20;
    const size_t size = ((size_t) bytes + huge - 1) & ~(huge - 1);
    void *p = aligned_alloc(huge, size);
    if (p != NULL) {
        madvise(p, size, MADV_HUGEPAGE); // advice only: without it the memory still works
    }
    return p;
}

void ember_free(void *p) {
    free(p);
}

// Q4_0 rows repacked eight at a time for ember_rows_q4_0_x8 (x86_avx2.c describes the layout).
void ember_repack_q4_0_x8(const uint8_t *w, int64_t row_bytes, int32_t groups, int32_t blocks, uint8_t *out) {
    for (int64_t g = 0; g < groups; g++) {
        const uint8_t *rows = w + g * 8 * row_bytes;
        uint8_t *o = out + g * 8 * row_bytes;
        for (int b = 0; b < blocks; b++, o += 144) {
            for (int k = 0; k < 8; k++) {
                memcpy(o + 2 * k, rows + k * row_bytes + 18 * b, 2);
                for (int m = 0; m < 4; m++) {
                    memcpy(o + 16 + 32 * m + 4 * k, rows + k * row_bytes + 18 * b + 2 + 4 * m, 4);
                }
            }
        }
    }
}

// Q4_K rows repacked eight at a time for rows_q4_k_x8: per group of 8 rows and super-block, 1184 bytes (32 more than
// the 8 super-blocks: the 6-bit scales and minimums stored unpacked, so the kernel loads eight rows' as one vector):
//   0    the 8 rows' d (fp16)          16   their dmin (fp16)
//   32   scales [sub-block s][row k]   96   minimums [s][k] (a byte each)
//   160  nibbles: 32 bytes per (chunk p of 32 bytes, 4-byte group m), row k's bytes 32p + 4m .. + 3 at 4k
void ember_repack_q4_k_x8(const uint8_t *w, int64_t row_bytes, int32_t groups, int32_t blocks, uint8_t *out) {
    for (int64_t g = 0; g < groups; g++) {
        for (int b = 0; b < blocks; b++) {
            uint8_t *o = out + (g * blocks + b) * EMBER_Q4_K_X8_BYTES;
            for (int k = 0; k < 8; k++) {
                const uint8_t *sb = w + (8 * g + k) * row_bytes + 144 * b;
                uint8_t sc[8], mn[8];
                unpack_q4_k_scales(sb + 4, sc, mn);
                memcpy(o + 2 * k, sb, 2);
                memcpy(o + 16 + 2 * k, sb + 2, 2);
                for (int s = 0; s < 8; s++) {
                    o[32 + 8 * s + k] = sc[s];
                    o[96 + 8 * s + k] = mn[s];
                }
                for (int q = 0; q < 32; q++) { // q = 8p + m
                    memcpy(o + 160 + 32 * q + 4 * k, sb + 16 + 4 * q, 4);
                }
            }
        }
    }
}

// Rows in groups of 8 blocks for the sparse kernels: per row and group, the 8 fp16 scales, then the 8 blocks'
// value bytes (vb: 16 for Q4_0, 32 for Q8_0), as stored ("r8d": the down rows of the fused FFN and of the
// integer accumulation) or, Q4_0 only, interleaved four bytes at a time ("r8b": the gate and up rows).
static void repack_groups(const uint8_t *w, int64_t row_bytes, int32_t rows, int32_t blocks, uint8_t *out, int vb,
                          int interleave) {
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * row_bytes;
        uint8_t *o = out + r * row_bytes;
        for (int g = 0; g < blocks / 8; g++, o += 16 + 8 * vb) {
            for (int k = 0; k < 8; k++) {
                const uint8_t *b = row + (2 + vb) * (8 * g + k);
                memcpy(o + 2 * k, b, 2);
                for (int m = 0; m < vb / 4; m++) {
                    memcpy(interleave ? o + 16 + 32 * m + 4 * k : o + 16 + vb * k + 4 * m, b + 2 + 4 * m, 4);
                }
            }
        }
    }
}

void ember_repack_q4_0_r8b(const uint8_t *w, int64_t row_bytes, int32_t rows, int32_t blocks, uint8_t *out) {
    repack_groups(w, row_bytes, rows, blocks, out, 16, 1);
}

// Neuron-major down rows for the fused sparse FFN ("r8d"): per row and group of 8 blocks, the 8 blocks' fp16
// scales, then their values as stored (Q4_0: 144 bytes a group, Q8_0: 272), so a window's scales load as one
// vector.
void ember_repack_q4_0_r8d(const uint8_t *w, int64_t row_bytes, int32_t rows, int32_t blocks, uint8_t *out) {
    repack_groups(w, row_bytes, rows, blocks, out, 16, 0);
}

void ember_repack_q8_0_r8d(const uint8_t *w, int64_t row_bytes, int32_t rows, int32_t blocks, uint8_t *out) {
    repack_groups(w, row_bytes, rows, blocks, out, 32, 0);
}

// Neuron bundles from gate and up rows (Q4_0: their r8b copies; Q8_0 and K-quants: as stored) and a
// neuron-major down row (Q4_0: r8d; else Q8_0 as stored): n neurons of 2 * row_bytes + down_row_bytes each.
void ember_bundle(const uint8_t *gate_rows, const uint8_t *up_rows, int64_t row_bytes, const uint8_t *down_nm,
                  int64_t down_row_bytes, int32_t neurons, uint8_t *out) {
    const int64_t bundle = 2 * row_bytes + down_row_bytes;
    for (int64_t n = 0; n < neurons; n++) {
        memcpy(out + n * bundle, gate_rows + n * row_bytes, row_bytes);
        memcpy(out + n * bundle + row_bytes, up_rows + n * row_bytes, row_bytes);
        memcpy(out + n * bundle + 2 * row_bytes, down_nm + n * down_row_bytes, down_row_bytes);
    }
}
