// Ember's kernels for aarch64 NEON, compiled twice (build.sh): with -DWITH_DOTPROD for CPUs with the
// dot-product extension (sdot: ARMv8.2+ cores such as Cortex-A55/A76, Apple and Graviton 2+), the table
// ember_neon_dotprod_kernels; without it for the rest (Cortex-A53/A72: Raspberry Pi 3 and 4), the table
// ember_neon_kernels, on widening multiplies (smull + saddlp), as llama.cpp's NEON code does where it lacks
// sdot. ember_kernels.c takes the first whose instructions the CPU has (getauxval(AT_HWCAP)).
//
// Both give generic.c's bits: the integer sums of a block below are exact whatever the instructions, and the
// loops and float arithmetic around them are portable_loops.h's, shared with generic.c.

#include "ember_isa.h"

#include <arm_neon.h>
#include <sys/auxv.h>

#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif

#ifdef WITH_DOTPROD
#define ISA_KERNELS ember_neon_dotprod_kernels
#define ISA EMBER_NEON_DOTPROD
static int isa_runs_here(void) { return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0; }
#else
#define ISA_KERNELS ember_neon_kernels
#define ISA EMBER_NEON
static int isa_runs_here(void) { return 1; } // Advanced SIMD is part of every aarch64 CPU
#endif

// acc + the sums of each four adjacent products of a and b (16 signed bytes each), per 32-bit lane
static inline int32x4_t sdot(int32x4_t acc, int8x16_t a, int8x16_t b) {
#ifdef WITH_DOTPROD
    return vdotq_s32(acc, a, b);
#else
    const int16x8_t lo = vmull_s8(vget_low_s8(a), vget_low_s8(b));   // |product| <= 128 * 128: fits 16 bits
    const int16x8_t hi = vmull_s8(vget_high_s8(a), vget_high_s8(b));
    return vaddq_s32(acc, vpaddq_s32(vpaddlq_s16(lo), vpaddlq_s16(hi)));
#endif
}

static inline int8x16_t low_nibbles(uint8x16_t v) { return vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0F))); }

static inline int8x16_t high_nibbles(uint8x16_t v) { return vreinterpretq_s8_u8(vshrq_n_u8(v, 4)); }

// lane m (four bytes) of v in every lane
static inline int8x16_t lanes_of(int8x16_t v, const int m) {
    const int32x4_t w = vreinterpretq_s32_s8(v);
    switch (m) {
    case 0: return vreinterpretq_s8_s32(vdupq_laneq_s32(w, 0));
    case 1: return vreinterpretq_s8_s32(vdupq_laneq_s32(w, 1));
    case 2: return vreinterpretq_s8_s32(vdupq_laneq_s32(w, 2));
    default: return vreinterpretq_s8_s32(vdupq_laneq_s32(w, 3));
    }
}

static inline int32_t q4_0_block_sum(const uint8_t *qs, const int8_t *a) {
    const uint8x16_t v = vld1q_u8(qs);
    const int8x16_t eight = vdupq_n_s8(8);
    int32x4_t acc = sdot(vdupq_n_s32(0), vsubq_s8(low_nibbles(v), eight), vld1q_s8(a));
    acc = sdot(acc, vsubq_s8(high_nibbles(v), eight), vld1q_s8(a + 16));
    return vaddvq_s32(acc);
}

static inline int32_t q8_0_block_sum(const int8_t *qs, const int8_t *a) {
    const int32x4_t acc = sdot(vdupq_n_s32(0), vld1q_s8(qs), vld1q_s8(a));
    return vaddvq_s32(sdot(acc, vld1q_s8(qs + 16), vld1q_s8(a + 16)));
}

static inline int32_t q4_k_superblock_sum(const uint8_t *qs, const uint8_t sc[8], const int8_t *a) {
    int32_t s = 0;
    for (int p = 0; p < 4; p++) {
        const uint8x16_t v0 = vld1q_u8(qs + 32 * p);
        const uint8x16_t v1 = vld1q_u8(qs + 32 * p + 16);
        const int8_t *ap = a + 64 * p;
        int32x4_t lo = sdot(vdupq_n_s32(0), low_nibbles(v0), vld1q_s8(ap));
        lo = sdot(lo, low_nibbles(v1), vld1q_s8(ap + 16));
        int32x4_t hi = sdot(vdupq_n_s32(0), high_nibbles(v0), vld1q_s8(ap + 32));
        hi = sdot(hi, high_nibbles(v1), vld1q_s8(ap + 48));
        s += sc[2 * p] * vaddvq_s32(lo) + sc[2 * p + 1] * vaddvq_s32(hi);
    }
    return s;
}

// Q6_K (layout: generic.c): 32 values at a time, levels q - 32 as signed bytes, one sum per 16 (a scale each)
static inline int32_t q6_k_superblock_sum(const uint8_t *wb, const int8_t *a) {
    const int8_t *sc = (const int8_t *) (wb + 192);
    const uint8x16_t three = vdupq_n_u8(3);
    const int8x16_t offset = vdupq_n_s8(32);
    int32_t s = 0;
    for (int h = 0; h < 2; h++) {
        const uint8x16_t qh[2] = {vld1q_u8(wb + 128 + 32 * h), vld1q_u8(wb + 128 + 32 * h + 16)};
        for (int k = 0; k < 4; k++) {
            for (int half = 0; half < 2; half++) {
                const uint8x16_t ql = vld1q_u8(wb + 64 * h + 32 * (k & 1) + 16 * half);
                const uint8x16_t low = k < 2 ? vandq_u8(ql, vdupq_n_u8(0x0F)) : vshrq_n_u8(ql, 4);
                const uint8x16_t high = vandq_u8(vshlq_u8(qh[half], vdupq_n_s8((int8_t) (-2 * k))), three);
                const int8x16_t q = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(low, vshlq_n_u8(high, 4))), offset);
                const int32x4_t g = sdot(vdupq_n_s32(0), q, vld1q_s8(a + 128 * h + 32 * k + 16 * half));
                s += sc[8 * h + 2 * k + half] * vaddvq_s32(g);
            }
        }
    }
    return s;
}

// x8: 32-bit lane k of each 16 bytes is four nibble bytes of row k (rows 0..3 in the first 16, 4..7 in the next),
// so the activation's matching four bytes, in every lane, meet four rows at once
static inline void q4_0_x8_sums(const uint8_t *vals, const int8_t *a, int32_t s[8]) {
    const int8x16_t a0 = vld1q_s8(a);
    const int8x16_t a1 = vld1q_s8(a + 16);
    int32x4_t r0 = vdupq_n_s32(0); // rows 0..3
    int32x4_t r1 = vdupq_n_s32(0); // rows 4..7
    for (int m = 0; m < 4; m++) {
        const uint8x16_t v0 = vld1q_u8(vals + 32 * m);
        const uint8x16_t v1 = vld1q_u8(vals + 32 * m + 16);
        const int8x16_t lo = lanes_of(a0, m); // values 4m..4m+3
        const int8x16_t hi = lanes_of(a1, m); // values 16+4m..
        r0 = sdot(sdot(r0, low_nibbles(v0), lo), high_nibbles(v0), hi);
        r1 = sdot(sdot(r1, low_nibbles(v1), lo), high_nibbles(v1), hi);
    }
    vst1q_s32(s, r0);
    vst1q_s32(s + 4, r1);
}

// Q4_K x8 (layout: generic.c): per chunk of 32 bytes, four rows to a vector as in q4_0_x8_sums, the low nibbles
// for sub-block 2p and the high for 2p + 1 from the same loads, then times the rows' scales
static inline void q4_k_x8_sums(const uint8_t *o, const int8_t *a, int32_t s[8]) {
    int32x4_t t0 = vdupq_n_s32(0); // rows 0..3
    int32x4_t t1 = vdupq_n_s32(0); // rows 4..7
    for (int p = 0; p < 4; p++) {
        const int8_t *lo = a + 64 * p;      // sub-block 2p's values
        const int8_t *hi = a + 64 * p + 32; // sub-block 2p + 1's
        const int8x16_t lo0 = vld1q_s8(lo), lo1 = vld1q_s8(lo + 16), hi0 = vld1q_s8(hi), hi1 = vld1q_s8(hi + 16);
        int32x4_t l0 = vdupq_n_s32(0), l1 = vdupq_n_s32(0), h0 = vdupq_n_s32(0), h1 = vdupq_n_s32(0);
        for (int m = 0; m < 8; m++) {
            const uint8x16_t v0 = vld1q_u8(o + 160 + 32 * (8 * p + m));
            const uint8x16_t v1 = vld1q_u8(o + 160 + 32 * (8 * p + m) + 16);
            const int8x16_t bl = m < 4 ? lanes_of(lo0, m) : lanes_of(lo1, m - 4); // values 4m..4m+3
            const int8x16_t bh = m < 4 ? lanes_of(hi0, m) : lanes_of(hi1, m - 4);
            l0 = sdot(l0, low_nibbles(v0), bl);
            l1 = sdot(l1, low_nibbles(v1), bl);
            h0 = sdot(h0, high_nibbles(v0), bh);
            h1 = sdot(h1, high_nibbles(v1), bh);
        }
        const uint16x8_t sl = vmovl_u8(vld1_u8(o + 32 + 8 * (2 * p)));
        const uint16x8_t sh = vmovl_u8(vld1_u8(o + 32 + 8 * (2 * p + 1)));
        t0 = vmlaq_s32(t0, l0, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(sl))));
        t1 = vmlaq_s32(t1, l1, vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(sl))));
        t0 = vmlaq_s32(t0, h0, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(sh))));
        t1 = vmlaq_s32(t1, h1, vreinterpretq_s32_u32(vmovl_u16(vget_high_u16(sh))));
    }
    vst1q_s32(s, t0);
    vst1q_s32(s + 4, t1);
}

// r8b: the same interleave over a row's eight blocks, and the activation interleaved alike: lane k is block k
static inline void q4_0_r8b_sums(const uint8_t *vals, const int8_t *act, int32_t s[8]) {
    int32x4_t r0 = vdupq_n_s32(0); // blocks 0..3
    int32x4_t r1 = vdupq_n_s32(0); // blocks 4..7
    for (int m = 0; m < 4; m++) {
        const uint8x16_t v0 = vld1q_u8(vals + 32 * m);
        const uint8x16_t v1 = vld1q_u8(vals + 32 * m + 16);
        r0 = sdot(sdot(r0, low_nibbles(v0), vld1q_s8(act + 32 * m)), high_nibbles(v0), vld1q_s8(act + 128 + 32 * m));
        r1 = sdot(sdot(r1, low_nibbles(v1), vld1q_s8(act + 32 * m + 16)), high_nibbles(v1),
                  vld1q_s8(act + 144 + 32 * m));
    }
    vst1q_s32(s, r0);
    vst1q_s32(s + 4, r1);
}

// the window's 32 outputs: per row, its 32 levels widened to 16 bits, times its k, into 32-bit sums (smlal)
static inline void window_sums(const uint8_t *const v[8], const int32_t k[8], int q8, int32_t acc[32]) {
    int32x4_t sum[8];
    for (int q = 0; q < 8; q++) {
        sum[q] = vdupq_n_s32(0);
    }
    for (int n = 0; n < 8; n++) {
        int16x8_t lev[4];
        if (q8) {
            const int8x16_t a = vld1q_s8((const int8_t *) v[n]);
            const int8x16_t b = vld1q_s8((const int8_t *) v[n] + 16);
            lev[0] = vmovl_s8(vget_low_s8(a));
            lev[1] = vmovl_s8(vget_high_s8(a));
            lev[2] = vmovl_s8(vget_low_s8(b));
            lev[3] = vmovl_s8(vget_high_s8(b));
        } else {
            const uint8x16_t p = vld1q_u8(v[n]);
            const uint8x16_t lo = vandq_u8(p, vdupq_n_u8(0x0F)); // outputs 0..15
            const uint8x16_t hi = vshrq_n_u8(p, 4);             // outputs 16..31
            lev[0] = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(lo)));
            lev[1] = vreinterpretq_s16_u16(vmovl_u8(vget_high_u8(lo)));
            lev[2] = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(hi)));
            lev[3] = vreinterpretq_s16_u16(vmovl_u8(vget_high_u8(hi)));
        }
        const int16_t kn = (int16_t) k[n]; // |k| <= 32767
        for (int q = 0; q < 4; q++) {
            sum[2 * q] = vmlal_n_s16(sum[2 * q], vget_low_s16(lev[q]), kn);
            sum[2 * q + 1] = vmlal_n_s16(sum[2 * q + 1], vget_high_s16(lev[q]), kn);
        }
    }
    for (int q = 0; q < 8; q++) {
        vst1q_s32(acc + 4 * q, sum[q]);
    }
}

#include "portable_loops.h"
