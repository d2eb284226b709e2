// The kernels' loops and their order of arithmetic, shared by generic.c and arm_neon.c. The including file
// defines the exact integer sums of a block (the only part an instruction set changes; integers, so any order
// of adding gives the same), then includes this file, which builds the table of kernels from them. Every float
// operation is written out (fmaf; the files compile with -ffp-contract=off, so the compiler fuses nothing on
// its own), so two sets built on this file give the same bits, and one set gives a token the same bits in
// every batch, row subset and thread split:
//   a row's dot      acc = fmaf((float) block_sum, dw * da, acc), blocks in order (Q4_0, Q8_0); the K-quants
//                    per super-block of 256, Q4_K's minimums in a second accumulator subtracted at the end
//   accumulation     y[j] = fmaf(a_i, d * level_j, y[j]), rows in list order (as x86_avx2.c)
//   windows          the fused sparse FFN's integer down projection, as x86_avx2.c's down_window describes
// x86_avx2.c keeps its own loops: its Q8_0 and K-quant dots sum in float lanes, as llama.cpp's AVX2 code does.
//
// The including file defines, before including this one:
//   int32_t q4_0_block_sum(const uint8_t *qs, const int8_t *a)     sum over 32 values of (nibble - 8) * a
//   int32_t q8_0_block_sum(const int8_t *qs, const int8_t *a)      sum over 32 values of q * a
//   int32_t q4_k_superblock_sum(const uint8_t *qs, const uint8_t sc[8], const int8_t *a)
//                                                                  sum over 256 values of sc[sub-block] * q * a
//   int32_t q6_k_superblock_sum(const uint8_t *wb, const int8_t *a)  sum over 256 of sc[group] * (q - 32) * a
//   void q4_0_x8_sums(const uint8_t *vals, const int8_t *a, int32_t s[8])
//                      eight x8-packed rows' sums of nibble * a over one block (no -8)
//   void q4_k_x8_sums(const uint8_t *o, const int8_t *a, int32_t s[8])
//                      eight x8-packed Q4_K rows' sums of sc[sub-block] * nibble * a over one super-block at o
//   void q4_0_r8b_sums(const uint8_t *vals, const int8_t *act, int32_t s[8])
//                      one r8b group's eight blocks' sums of nibble * act (act interleaved as the rows; no -8)
//   void window_sums(const uint8_t *const v[8], const int32_t k[8], int q8, int32_t acc[32])
//                      acc[j] = sum over n of level_n[j] * k[n], levels of one Q4_0 block (nibbles 0..15 in
//                      output order) or Q8_0 block (signed) at v[n]
//   ISA_KERNELS, ISA, isa_runs_here()                             the table's name, enum and CPU check
#ifndef EMBER_PORTABLE_LOOPS_H
#define EMBER_PORTABLE_LOOPS_H

#include "ember_isa.h"

#include <math.h>
#include <string.h>

// IEEE half to float, exactly (no F16C or FP16 instruction needed)
static inline float half_to_float(const uint8_t *p) {
    const uint32_t h = (uint32_t) p[0] | (uint32_t) p[1] << 8;
    const uint32_t sign = (h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1F;
    const uint32_t man = h & 0x3FF;
    if (exp == 0) { // zero or subnormal: man * 2^-24, exact in float
        const float f = (float) man * 0x1p-24f;
        return sign ? -f : f;
    }
    const uint32_t bits = sign | (exp == 0x1F ? 0x7F800000u | man << 13 : (exp + 112) << 23 | man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline float f32_at(const uint8_t *p) {
    float f;
    memcpy(&f, p, 4);
    return f;
}

// --- dots of one row with one token's activations ---------------------------------------------------------

// Q4_0 block (18 bytes): d (fp16), 16 bytes of nibbles; Q8_0 activation block (34 bytes): d (fp16), 32 int8
static inline float dot_q4_0(const uint8_t *w, const uint8_t *x, int blocks) {
    float acc = 0.0f;
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wb = w + 18 * b;
        const uint8_t *xb = x + 34 * b;
        acc = fmaf((float) q4_0_block_sum(wb + 2, (const int8_t *) (xb + 2)), half_to_float(wb) * half_to_float(xb),
                   acc);
    }
    return acc;
}

static inline float dot_q8_0(const uint8_t *w, const uint8_t *x, int blocks) {
    float acc = 0.0f;
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wb = w + 34 * b;
        const uint8_t *xb = x + 34 * b;
        acc = fmaf((float) q8_0_block_sum((const int8_t *) (wb + 2), (const int8_t *) (xb + 2)),
                   half_to_float(wb) * half_to_float(xb), acc);
    }
    return acc;
}

// Q4_K super-block (144 bytes) against a Q8_K activation block (292 bytes: d as float, qs[256], bsums[16]):
// value = d * sc * q - dmin * m, so the dot is d * da * sum(sc * q * a) - dmin * da * sum(m * a), the second sum
// from the activation's 16-value sums
static inline float dot_q4_k(const uint8_t *w, const uint8_t *x, int blocks) {
    float acc = 0.0f;
    float mins_acc = 0.0f;
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wb = w + 144 * b;
        const uint8_t *xb = x + 292 * b;
        const float xd = f32_at(xb);
        uint8_t sc[8], mn[8];
        unpack_q4_k_scales(wb + 4, sc, mn);
        int32_t mins = 0;
        for (int s = 0; s < 8; s++) {
            int16_t b0, b1;
            memcpy(&b0, xb + 260 + 4 * s, 2);
            memcpy(&b1, xb + 262 + 4 * s, 2);
            mins += mn[s] * (b0 + b1);
        }
        acc = fmaf((float) q4_k_superblock_sum(wb + 16, sc, (const int8_t *) (xb + 4)), half_to_float(wb) * xd, acc);
        mins_acc = fmaf((float) mins, half_to_float(wb + 2) * xd, mins_acc);
    }
    return acc - mins_acc;
}

// Q6_K super-block (210 bytes; layout: x86_avx2.c), d at byte 208
static inline float dot_q6_k(const uint8_t *w, const uint8_t *x, int blocks) {
    float acc = 0.0f;
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wb = w + 210 * b;
        const uint8_t *xb = x + 292 * b;
        acc = fmaf((float) q6_k_superblock_sum(wb, (const int8_t *) (xb + 4)), half_to_float(wb + 208) * f32_at(xb),
                   acc);
    }
    return acc;
}

static inline float dot_row(const enum ember_block_type kind, const uint8_t *row, const uint8_t *x, int32_t cols) {
    switch (kind) {
    case EMBER_Q4_0: return dot_q4_0(row, x, cols / 32);
    case EMBER_Q8_0: return dot_q8_0(row, x, cols / 32);
    case EMBER_Q4_K: return dot_q4_k(row, x, cols / 256);
    default: return dot_q6_k(row, x, cols / 256);
    }
}

// y[t * y_stride + i] = dot(row ids[i] (or i), activation t): rows outside, so a row stays in L1 for the batch
static inline void rows(const enum ember_block_type kind, const uint8_t *w, int64_t row_bytes, const int32_t *ids,
                        int32_t from, int32_t to, const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols,
                        float *y, int64_t y_stride) {
    for (int32_t i = from; i < to; i++) {
        const uint8_t *row = w + (ids ? (int64_t) ids[i] : (int64_t) i) * row_bytes;
        for (int32_t t = 0; t < batch; t++) {
            y[t * y_stride + i] = dot_row(kind, row, x + t * x_bytes, cols);
        }
    }
}

static void rows_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                      const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    rows(EMBER_Q4_0, w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

static void rows_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                      const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    rows(EMBER_Q8_0, w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

static void rows_q4_k(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                      const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    rows(EMBER_Q4_K, w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

static void rows_q6_k(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                      const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    rows(EMBER_Q6_K, w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

// sum of a Q8_0 block's 32 values
static inline int32_t values_sum(const int8_t *a) {
    int32_t s = 0;
    for (int j = 0; j < 32; j++) {
        s += a[j];
    }
    return s;
}

// Groups [from, to) of eight x8-packed Q4_0 rows (ember_repack_q4_0_x8; ids unused): per block the eight rows'
// exact sums, then per row dot_q4_0's FMA, so the packed rows give dot_q4_0's bits.
static void rows_q4_0_x8(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                         const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    (void) ids;
    const int blocks = cols / 32;
    for (int32_t g = from; g < to; g++) {
        const uint8_t *group = packed + (int64_t) g * 8 * row_bytes;
        for (int32_t t = 0; t < batch; t++) {
            const uint8_t *xt = x + t * x_bytes;
            float acc[8] = {0};
            for (int b = 0; b < blocks; b++) {
                const uint8_t *o = group + 144 * b;
                const int8_t *a = (const int8_t *) (xt + 34 * b + 2);
                const float da = half_to_float(xt + 34 * b);
                const int32_t minus = 8 * values_sum(a);
                int32_t s[8];
                q4_0_x8_sums(o + 16, a, s);
                for (int k = 0; k < 8; k++) {
                    acc[k] = fmaf((float) (s[k] - minus), half_to_float(o + 2 * k) * da, acc[k]);
                }
            }
            for (int k = 0; k < 8; k++) {
                y[t * y_stride + 8 * (int64_t) g + k] = acc[k];
            }
        }
    }
}

// Groups [from, to) of eight x8-packed Q4_K rows (ember_repack_q4_k_x8; ids unused): per super-block the eight
// rows' exact sums, then dot_q4_k's two FMAs per row, so the packed rows give dot_q4_k's bits.
static void rows_q4_k_x8(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                         const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    (void) ids;
    (void) row_bytes;
    const int blocks = cols / 256;
    for (int32_t g = from; g < to; g++) {
        const uint8_t *group = packed + (int64_t) g * blocks * EMBER_Q4_K_X8_BYTES;
        for (int32_t t = 0; t < batch; t++) {
            const uint8_t *xt = x + t * x_bytes;
            float acc[8] = {0}, mins_acc[8] = {0};
            for (int b = 0; b < blocks; b++) {
                const uint8_t *o = group + (int64_t) b * EMBER_Q4_K_X8_BYTES;
                const uint8_t *xb = xt + 292 * b;
                const float xd = f32_at(xb);
                int32_t s[8];
                q4_k_x8_sums(o, (const int8_t *) (xb + 4), s);
                for (int k = 0; k < 8; k++) {
                    int32_t mins = 0;
                    for (int sb = 0; sb < 8; sb++) {
                        int16_t b0, b1;
                        memcpy(&b0, xb + 260 + 4 * sb, 2);
                        memcpy(&b1, xb + 262 + 4 * sb, 2);
                        mins += o[96 + 8 * sb + k] * (b0 + b1);
                    }
                    acc[k] = fmaf((float) s[k], half_to_float(o + 2 * k) * xd, acc[k]);
                    mins_acc[k] = fmaf((float) mins, half_to_float(o + 16 + 2 * k) * xd, mins_acc[k]);
                }
            }
            for (int k = 0; k < 8; k++) {
                y[t * y_stride + 8 * (int64_t) g + k] = acc[k] - mins_acc[k];
            }
        }
    }
}

// One token's activation for r8b rows (ember_kernels.c describes them): its values interleaved as the rows'
// nibbles are (256 bytes per group of 8 blocks), 8 * each block's sum of values, each block's scale.
static inline void r8b_prepare(const uint8_t *x, int blocks, int8_t *act, int32_t *asum8, float *da) {
    for (int b = 0; b < blocks; b++) {
        const uint8_t *xb = x + 34 * b;
        asum8[b] = 8 * values_sum((const int8_t *) (xb + 2));
        da[b] = half_to_float(xb);
        int8_t *ag = act + 256 * (b / 8);
        const int k = b % 8;
        for (int m = 0; m < 4; m++) {
            memcpy(ag + 32 * m + 4 * k, xb + 2 + 4 * m, 4);        // values 4m..4m+3 (low nibbles)
            memcpy(ag + 128 + 32 * m + 4 * k, xb + 18 + 4 * m, 4); // values 16+4m.. (high nibbles)
        }
    }
}

// One r8b row against a prepared activation, dot_q4_0's order: its bits
static inline float r8b_dot(const uint8_t *row, int groups, const int8_t *act, const int32_t *asum8, const float *da) {
    float acc = 0.0f;
    for (int g = 0; g < groups; g++) {
        const uint8_t *o = row + 144 * g;
        int32_t s[8];
        q4_0_r8b_sums(o + 16, act + 256 * g, s);
        for (int k = 0; k < 8; k++) {
            acc = fmaf((float) (s[k] - asum8[8 * g + k]), half_to_float(o + 2 * k) * da[8 * g + k], acc);
        }
    }
    return acc;
}

static void rows_q4_0_r8b(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                          const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride) {
    const int blocks = cols / 32;
    int8_t act[256 * (blocks / 8)];
    int32_t asum8[blocks];
    float da[blocks];
    for (int32_t t = 0; t < batch; t++) {
        r8b_prepare(x + t * x_bytes, blocks, act, asum8, da);
        for (int32_t i = from; i < to; i++) {
            const uint8_t *row = packed + (ids ? (int64_t) ids[i] : (int64_t) i) * row_bytes;
            y[t * y_stride + i] = r8b_dot(row, blocks / 8, act, asum8, da);
        }
    }
}

// --- accumulation: y += a_i * row ids[i], rows dequantized to floats ---------------------------------------

// one Q4_0 (18 bytes) or Q8_0 (34 bytes) block's 32 values times a, added to y
static inline void axpy_block(const int q4, float a, const uint8_t *wb, float *y) {
    const float d = half_to_float(wb);
    for (int j = 0; j < 32; j++) {
        const int level = q4 ? (j < 16 ? (wb[2 + j] & 0x0F) : (wb[2 + j - 16] >> 4)) - 8 : (int8_t) wb[2 + j];
        y[j] = fmaf(a, (float) level * d, y[j]);
    }
}

static inline void accumulate_floats(const int q4, const uint8_t *w, int64_t row_bytes, const int32_t *ids,
                                     const float *a, int32_t count, int32_t from, int32_t to, float *y) {
    const int64_t block_bytes = q4 ? 18 : 34;
    for (int32_t i = 0; i < count; i++) {
        const uint8_t *row = w + (int64_t) ids[i] * row_bytes;
        for (int32_t b = from; b < to; b++) {
            axpy_block(q4, a[i], row + block_bytes * b, y + 32 * (int64_t) b);
        }
    }
}

static void accumulate_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count,
                            int32_t from, int32_t to, float *y) {
    accumulate_floats(1, w, row_bytes, ids, a, count, from, to, y);
}

static void accumulate_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count,
                            int32_t from, int32_t to, float *y) {
    accumulate_floats(0, w, row_bytes, ids, a, count, from, to, y);
}

// --- windows: eight rows' sum on integers (x86_avx2.c's down_window gives the why) ---------------------------

// y[256 g + j] += sum over the window's rows of h[n] * row n, over `groups` r8d groups (Q4_0: 144 bytes a
// group, Q8_0: 272): per block, one scale s = max |h * d| / 32767 and 16-bit k = round(h * d / s).
static inline void down_window(const uint8_t *const rows8[8], const float h[8], int groups, float *y, const int q8) {
    const int64_t group_bytes = q8 ? 16 + 8 * 32 : 16 + 8 * 16;
    for (int g = 0; g < groups; g++) {
        float c[8][8];
        float m[8] = {0};
        for (int n = 0; n < 8; n++) {
            for (int kb = 0; kb < 8; kb++) {
                c[n][kb] = h[n] * half_to_float(rows8[n] + group_bytes * g + 2 * kb);
                const float mag = fabsf(c[n][kb]);
                m[kb] = mag > m[kb] ? mag : m[kb];
            }
        }
        for (int kb = 0; kb < 8; kb++) {
            const float s = m[kb] * (1.0f / 32767.0f);
            if (s == 0.0f) {
                continue; // every h * d of the window is 0 here: nothing to add
            }
            const float inv = 32767.0f / m[kb];
            int32_t k[8];
            int32_t ksum = 0;
            const uint8_t *v[8];
            for (int n = 0; n < 8; n++) {
                k[n] = (int32_t) lrintf(c[n][kb] * inv); // to nearest, ties to even, as cvtps2dq
                ksum += k[n];
                v[n] = rows8[n] + group_bytes * g + 16 + (q8 ? 32 : 16) * kb;
            }
            const int32_t corr = q8 ? 0 : 8 * ksum; // Q4_0's nibbles are levels + 8
            int32_t acc[32];
            window_sums(v, k, q8, acc);
            float *yb = y + 256 * g + 32 * kb;
            for (int j = 0; j < 32; j++) {
                yb[j] = fmaf(s, (float) (acc[j] - corr), yb[j]);
            }
        }
    }
}

// y[256 * from .. 256 * to) += sum of a[i] * row ids[i] over r8d rows, in windows of eight rows with a[i] != 0
// formed over the whole list, so the sums do not depend on the range a thread takes
static inline void accumulate_windows(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                                      int32_t count, int32_t from, int32_t to, float *y, const int q8) {
    const int64_t group_bytes = q8 ? 16 + 8 * 32 : 16 + 8 * 16;
    const uint8_t *rows8[8];
    float h[8];
    int n = 0;
    for (int32_t i = 0; i < count; i++) {
        if (a[i] != 0.0f) {
            rows8[n] = w + (int64_t) ids[i] * row_bytes + group_bytes * from;
            h[n++] = a[i];
        }
        if (n == 8 || (i + 1 == count && n > 0)) {
            for (int q = n; q < 8; q++) { // empty places: k = 0 on any valid row
                rows8[q] = rows8[0];
                h[q] = 0.0f;
            }
            down_window(rows8, h, to - from, y + 256 * (int64_t) from, q8);
            n = 0;
        }
    }
}

static void accumulate_r8d_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                                int32_t count, int32_t from, int32_t to, float *y) {
    accumulate_windows(w, row_bytes, ids, a, count, from, to, y, 0);
}

static void accumulate_r8d_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                                int32_t count, int32_t from, int32_t to, float *y) {
    accumulate_windows(w, row_bytes, ids, a, count, from, to, y, 1);
}

// --- the fused sparse FFN over neuron bundles (x86_avx2.c describes the bundles and the chunks) -----------

static inline void sparse_ffn(const enum ember_block_type kind, const uint8_t *bundles, int64_t bundle_bytes,
                              const int32_t *ids, const int32_t *starts, int32_t from_chunk, int32_t to_chunk,
                              const uint8_t *x, int32_t dim, const float *gate, enum ember_activation act_kind,
                              float *partials, float *h_out) {
    const int blocks = dim / 32;
    const int groups = blocks / 8;
    const int64_t row_bytes = kind == EMBER_Q4_0 ? (int64_t) blocks * 18 : kind == EMBER_Q8_0 ? (int64_t) blocks * 34
                              : (int64_t) (dim / 256) * (kind == EMBER_Q4_K ? 144 : 210);
    int8_t act[kind == EMBER_Q4_0 ? 256 * groups : 1];
    int32_t asum8[kind == EMBER_Q4_0 ? blocks : 1];
    float da[kind == EMBER_Q4_0 ? blocks : 1];
    if (kind == EMBER_Q4_0) {
        r8b_prepare(x, blocks, act, asum8, da);
    }
    for (int32_t c = from_chunk; c < to_chunk; c++) {
        float *y = partials + (int64_t) c * dim;
        memset(y, 0, sizeof(float) * dim);
        const int32_t end = starts[c + 1];
        const uint8_t *rows8[8]; // the window: chosen neurons with h != 0, their down rows
        float h[8];
        int n = 0;
        for (int32_t i = starts[c]; i < end; i++) {
            const uint8_t *nb = bundles + (int64_t) ids[i] * bundle_bytes;
            float gv, u;
            if (kind == EMBER_Q4_0) { // gate and up rows in r8b
                gv = gate ? gate[i] : r8b_dot(nb, groups, act, asum8, da);
                u = r8b_dot(nb + row_bytes, groups, act, asum8, da);
            } else {
                gv = gate ? gate[i] : dot_row(kind, nb, x, dim);
                u = dot_row(kind, nb + row_bytes, x, dim);
            }
            const float hv = ember_activate(act_kind, gv) * u;
            h_out[i] = hv;
            if (hv != 0.0f) { // a neuron with h = 0 adds nothing, and must not change its window's scales
                rows8[n] = nb + 2 * row_bytes;
                h[n++] = hv;
            }
            if (n == 8 || (i + 1 == end && n > 0)) {
                for (int q = n; q < 8; q++) {
                    rows8[q] = rows8[0];
                    h[q] = 0.0f;
                }
                down_window(rows8, h, groups, y, kind != EMBER_Q4_0);
                n = 0;
            }
        }
    }
}

static void sparse_ffn_q4_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                            int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                            enum ember_activation act, float *partials, float *h_out) {
    sparse_ffn(EMBER_Q4_0, bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials, h_out);
}

static void sparse_ffn_q8_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                            int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                            enum ember_activation act, float *partials, float *h_out) {
    sparse_ffn(EMBER_Q8_0, bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials, h_out);
}

static void sparse_ffn_q4_k(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                            int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                            enum ember_activation act, float *partials, float *h_out) {
    sparse_ffn(EMBER_Q4_K, bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials, h_out);
}

static void sparse_ffn_q6_k(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                            int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
                            enum ember_activation act, float *partials, float *h_out) {
    sparse_ffn(EMBER_Q6_K, bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials, h_out);
}

// out[j] += sum over chunks c (in order) of partials[c][j], for the columns of blocks [from, to) of 32
static void reduce_partials(const float *partials, int32_t chunks, int32_t dim, int32_t from, int32_t to, float *out) {
    for (int64_t j = 32 * (int64_t) from; j < 32 * (int64_t) to; j++) {
        float acc = out[j];
        for (int32_t c = 0; c < chunks; c++) {
            acc += partials[(int64_t) c * dim + j];
        }
        out[j] = acc;
    }
}

const struct ember_isa_kernels ISA_KERNELS = {
    .isa = ISA,
    .runs_here = isa_runs_here,
    .rows_q4_0 = rows_q4_0,
    .rows_q8_0 = rows_q8_0,
    .rows_q4_k = rows_q4_k,
    .rows_q6_k = rows_q6_k,
    .rows_q4_0_x8 = rows_q4_0_x8,
    .rows_q4_0_r8b = rows_q4_0_r8b,
    .rows_q4_k_x8 = rows_q4_k_x8,
    .accumulate_q4_0 = accumulate_q4_0,
    .accumulate_q8_0 = accumulate_q8_0,
    .accumulate_r8d_q4_0 = accumulate_r8d_q4_0,
    .accumulate_r8d_q8_0 = accumulate_r8d_q8_0,
    .sparse_ffn_q4_0 = sparse_ffn_q4_0,
    .sparse_ffn_q8_0 = sparse_ffn_q8_0,
    .sparse_ffn_q4_k = sparse_ffn_q4_k,
    .sparse_ffn_q6_k = sparse_ffn_q6_k,
    .reduce_partials = reduce_partials,
};

#endif
