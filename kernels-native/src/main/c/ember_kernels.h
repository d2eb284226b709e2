// Ember's C kernels: every function the Java side calls (dev.ember.kernels.ffm.NativeLibrary, whose downcall
// descriptors NativeHeaderTest checks against these prototypes), the ABI version, and the named constants the
// calls pass. Layouts and arithmetic are described where each function is defined:
//   ember_kernels.c  portable C: the ABI, memory, the repacked layouts (x8, r8b, r8d, bundles), and the choice
//                    of kernels: the best instruction set this CPU runs, once, when the library loads
//   generic.c        the kernels in portable C, the reference order of arithmetic (portable_loops.h) that
//   arm_neon.c       the NEON kernels keep bit for bit (with and without the dot-product instructions)
//   x86_avx2.c       the kernels, AVX2 + FMA + F16C (llama.cpp's vec_dot arithmetic), and with AVX512-VNNI
// Integers are int32_t or int64_t as below; pointers are raw addresses of off-heap memory.
#ifndef EMBER_KERNELS_H
#define EMBER_KERNELS_H

#include <stdint.h>

// A library of another version is refused by the Java side: bump on any change of a prototype or layout.
#define EMBER_ABI_VERSION 12

// Bytes of one group of eight Q4_K rows' super-blocks in the x8 layout (ember_repack_q4_k_x8)
#define EMBER_Q4_K_X8_BYTES 1184

// The FFN activation of the fused sparse pass (Java: Activation.ordinal()).
enum ember_activation {
    EMBER_SILU = 0,
    EMBER_RELU = 1,
    EMBER_GELU = 2, // tanh form
};

// The block type of a fused sparse pass's gate and up rows (its down rows: Q4_0 for Q4_0, else Q8_0).
enum ember_block_type {
    EMBER_Q4_0 = 0,
    EMBER_Q8_0 = 1,
    EMBER_Q4_K = 2,
    EMBER_Q6_K = 3,
};

// The kernel sets a library may hold (Java: NativeLibrary.Isa).
enum ember_isa {
    EMBER_GENERIC = 0,      // portable C, every platform
    EMBER_AVX2 = 1,         // x86-64 with AVX2, FMA and F16C
    EMBER_NEON = 2,         // aarch64, widening multiplies
    EMBER_NEON_DOTPROD = 3, // aarch64 with the dot-product extension (sdot)
    EMBER_AVX512_VNNI = 4,  // x86-64 with AVX2 and AVX512-VNNI (vpdpbusd on 256 bits): avx2's bits, fewer steps
};

// --- the library ---------------------------------------------------------------------------------------
int ember_abi_version(void);
int ember_active_isa(void);                             // the enum ember_isa the products run on (generic:
                                                        // this CPU has none of the library's SIMD sets)
int ember_select_isa(enum ember_isa isa);               // use that set (tests); 1 if this CPU runs it, else 0
void *ember_alloc(int64_t bytes);                       // 2 MiB-aligned, huge pages advised; NULL if none
void ember_free(void *p);

// --- layouts (portable) ----------------------------------------------------------------------------------
void ember_repack_q4_0_x8(const uint8_t *w, int64_t row_bytes, int32_t groups, int32_t blocks, uint8_t *out);
void ember_repack_q4_k_x8(const uint8_t *w, int64_t row_bytes, int32_t groups, int32_t blocks, uint8_t *out);
void ember_repack_q4_0_r8b(const uint8_t *w, int64_t row_bytes, int32_t rows, int32_t blocks, uint8_t *out);
void ember_repack_q4_0_r8d(const uint8_t *w, int64_t row_bytes, int32_t rows, int32_t blocks, uint8_t *out);
void ember_repack_q8_0_r8d(const uint8_t *w, int64_t row_bytes, int32_t rows, int32_t blocks, uint8_t *out);
void ember_bundle(const uint8_t *gate_rows, const uint8_t *up_rows, int64_t row_bytes, const uint8_t *down_nm,
                  int64_t down_row_bytes, int32_t neurons, uint8_t *out);

// --- products: y[t * y_stride + i] = row ids[i] (or i) . activation t, i in [from, to) ---------------------
void ember_rows_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                     const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
void ember_rows_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                     const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
void ember_rows_q4_k(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                     const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
void ember_rows_q6_k(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                     const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
void ember_rows_q4_0_x8(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                        const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
void ember_rows_q4_0_r8b(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                         const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
void ember_rows_q4_k_x8(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                        const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);

// --- accumulation: y[j] += sum_i a[i] * row ids[i] [j], for outputs in blocks [from, to) of 32 (r8d: of 256) ---
void ember_accumulate_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count,
                           int32_t from, int32_t to, float *y);
void ember_accumulate_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count,
                           int32_t from, int32_t to, float *y);
void ember_accumulate_r8d_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                               int32_t count, int32_t from, int32_t to, float *y);
void ember_accumulate_r8d_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                               int32_t count, int32_t from, int32_t to, float *y);

// --- the fused sparse FFN over neuron bundles, chunks [from_chunk, to_chunk) of the chosen ids -----------
void ember_sparse_ffn_q4_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                           enum ember_activation act, float *partials, float *h_out);
void ember_sparse_ffn_q8_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                           enum ember_activation act, float *partials, float *h_out);
void ember_sparse_ffn_q4_k(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                           enum ember_activation act, float *partials, float *h_out);
void ember_sparse_ffn_q6_k(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                           enum ember_activation act, float *partials, float *h_out);
void ember_reduce_partials(const float *partials, int32_t chunks, int32_t dim, int32_t from, int32_t to, float *out);

#endif
