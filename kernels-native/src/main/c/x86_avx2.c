// Ember's C kernels for x86-64 with AVX2, FMA and F16C: the table ember_avx2_kernels (ember_isa.h), chosen by
// ember_kernels.c where the CPU has them (ember_kernels.h lists the exported functions that call in). Built a
// second time with WITH_VNNI (build.sh) as ember_avx512vnni_kernels for CPUs with AVX512-VNNI and -VL: there one
// vpdpbusd (vpdpwssd) does what vpmaddubsw + vpmaddwd (vpmaddwd + an add) do, on the same integers, so the two
// sets give the same bits (dot_u8s8, dot8_u8s8, madd_acc are the only places they differ).
//
// Dot products of weight rows with quantized activations, the arithmetic of llama.cpp's AVX2 vec_dot
// kernels: Q4_0 and Q8_0 with Q8_0 activations, Q4_K and Q6_K with Q8_K. Per block the exact integer
// products summed pairwise (vpmaddubsw, vpmaddwd) into 8 int lanes, converted to float and
// multiply-added with the block's dw * da into float lanes; the lanes are summed once per row.
// vpmaddubsw is the instruction the Java Vector API does not expose: it multiplies 32 byte pairs
// and adds adjacent products in one step, where the Vector API must widen to 16-bit lanes first.
//
// The file is compiled without -mavx2: only the functions marked TARGET_AVX2 use AVX2/FMA/F16C, and
// they run only where isa_runs_here() said the CPU has them.

#include "ember_isa.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#ifdef WITH_VNNI
#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c,avx512vl,avx512vnni")))
#define ISA_KERNELS ember_avx512vnni_kernels
#define ISA EMBER_AVX512_VNNI
#else
#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define ISA_KERNELS ember_avx2_kernels
#define ISA EMBER_AVX2
#endif

static int isa_runs_here(void) {
    __builtin_cpu_init();
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#ifdef WITH_VNNI
    return avx2 && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl");
#else
    return avx2;
#endif
}

// acc + the 32 products of unsigned bytes u and signed bytes s, summed four at a time into 8 int lanes:
// vpmaddubsw (pairs, into 16 bits) then vpmaddwd, or with AVX512-VNNI one vpdpbusd. The same integers wherever a
// pair's sum fits 16 bits (vpmaddubsw saturates, vpdpbusd does not), as every caller's does: at most 2 * 128 * 127.
TARGET_AVX2 static inline __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
#ifdef WITH_VNNI
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// acc + pairs of 16-bit products summed into 32-bit lanes: vpmaddwd and an add, or with AVX512-VNNI one vpdpwssd
// (the same integers: no caller's sum comes near 32 bits)
TARGET_AVX2 static inline __m256i madd_acc(__m256i acc, __m256i a, __m256i b) {
#ifdef WITH_VNNI
    return _mm256_dpwssd_epi32(acc, a, b);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

// The same over eight pairs of vectors, summed: without VNNI the eight vpmaddubsw add up in 16 bits and one
// vpmaddwd widens them (the callers' nibbles 0..15 times bytes keep the sum of eight within 16 bits).
TARGET_AVX2 static inline __m256i dot8_u8s8(const __m256i u[8], const __m256i s[8]) {
#ifdef WITH_VNNI
    __m256i acc = _mm256_setzero_si256();
    for (int m = 0; m < 8; m++) {
        acc = _mm256_dpbusd_epi32(acc, u[m], s[m]);
    }
    return acc;
#else
    __m256i p[8];
    for (int m = 0; m < 8; m++) {
        p[m] = _mm256_maddubs_epi16(u[m], s[m]);
    }
    const __m256i s16 = _mm256_add_epi16(_mm256_add_epi16(_mm256_add_epi16(p[0], p[1]), _mm256_add_epi16(p[2], p[3])),
                                         _mm256_add_epi16(_mm256_add_epi16(p[4], p[5]), _mm256_add_epi16(p[6], p[7])));
    return _mm256_madd_epi16(s16, _mm256_set1_epi16(1));
#endif
}

TARGET_AVX2 static inline float half_to_float(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

TARGET_AVX2 static inline float sum_lanes(__m256 v) {
    // lanes added in a fixed order: the result does not depend on the caller
    __m128 lo = _mm256_castps256_ps128(v);
    __m128 hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

TARGET_AVX2 static inline int sum_int_lanes(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

// Q4_0 block: d (fp16), qs[16]: value j the low nibble of byte j, value j+16 its high nibble, minus 8
TARGET_AVX2 static inline __m256i q4_0_values(const uint8_t *wb) {
    const __m128i packed = _mm_loadu_si128((const __m128i *) (wb + 2));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
    return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), _mm256_set1_epi8(8));
}

// Q8_0 block: d (fp16), qs[32] (int8)
TARGET_AVX2 static inline __m256i q8_0_values(const uint8_t *wb) {
    return _mm256_loadu_si256((const __m256i *) (wb + 2));
}

// The dots stream their row with a software prefetch 2 KB ahead when the next row follows this one in
// memory (pf set): the hardware prefetcher alone leaves a core short of what it can read (docs/performance.md,
// "C kernel choices"). Sparse rows (ids) are not consecutive; their kernels prefetch the next chosen row instead.
TARGET_AVX2 static inline void prefetch_ahead(int pf, const uint8_t *p) {
    if (pf) {
        _mm_prefetch((const char *) p + 2048, _MM_HINT_T0);
    }
}

// Q8_0: llama.cpp's ggml_vec_dot_q8_0_q8_0 for AVX2, one accumulator per row and token: per block the eight
// lanes of pair sums, converted, times dw * da, added with one FMA; the lanes summed at the end (sum_lanes is its
// hsum_float_8), so a Q8_0 dot gives llama.cpp's bits. q8_0_tile runs R rows against T tokens (R * T such
// accumulators): each weight block is loaded and its signs taken once for the T tokens, each token's block once
// for the R rows, and the R * T FMA chains overlap (decode runs one row, which the one chain keeps up with: it
// streams from memory). pf: how far ahead of each block to prefetch (0: not at all). da holds the tokens' block
// scales as floats (token t's at da[t * da_stride + b]); y[t * y_stride + r] gets row r's dot with token t. R and
// T are constants at each call, so the loops unroll into registers.
TARGET_AVX2 static inline __attribute__((always_inline)) void q8_0_tile(
        const uint8_t *const rows[], const int R, const uint8_t *x, int64_t x_bytes, const float *da, int da_stride,
        const int T, int blocks, int64_t pf, float *y, int64_t y_stride) {
    __m256 acc[4][4];
    for (int r = 0; r < R; r++) {
        for (int t = 0; t < T; t++) {
            acc[r][t] = _mm256_setzero_ps();
        }
    }
    for (int b = 0; b < blocks; b++) {
        __m256i xv[4];
        for (int t = 0; t < T; t++) {
            xv[t] = _mm256_loadu_si256((const __m256i *) (x + t * x_bytes + 34 * b + 2));
        }
        for (int r = 0; r < R; r++) {
            const uint8_t *wb = rows[r] + 34 * b;
            if (pf) {
                _mm_prefetch((const char *) wb + pf, _MM_HINT_T0);
            }
            const __m256i w = q8_0_values(wb);
            const __m256i aw = _mm256_sign_epi8(w, w); // vpmaddubsw takes unsigned x signed: w's sign onto x
            const float dw = half_to_float(wb);
            for (int t = 0; t < T; t++) {
                const __m256 p = _mm256_cvtepi32_ps(dot_u8s8(_mm256_setzero_si256(), aw, _mm256_sign_epi8(xv[t], w)));
                acc[r][t] = _mm256_fmadd_ps(p, _mm256_set1_ps(dw * da[t * da_stride + b]), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        for (int t = 0; t < T; t++) {
            y[t * y_stride + r] = sum_lanes(acc[r][t]);
        }
    }
}

// The tokens' Q8_0 block scales as floats, for q8_0_tile
TARGET_AVX2 static inline void q8_0_scales(const uint8_t *x, int64_t x_bytes, int tokens, int blocks, float *da) {
    for (int t = 0; t < tokens; t++) {
        for (int b = 0; b < blocks; b++) {
            da[t * blocks + b] = half_to_float(x + t * x_bytes + 34 * b);
        }
    }
}

// One Q8_0 row against one token whose scales q8_0_scales made (the fused sparse FFN's gate and up rows)
TARGET_AVX2 static float dot_q8_0(const uint8_t *w, const uint8_t *x, const float *da, int blocks) {
    float y;
    q8_0_tile(&w, 1, x, 0, da, blocks, 1, blocks, 0, &y, 0);
    return y;
}

// Q4_0 is summed differently, so that its decode can run on rows repacked eight at a time (below) and
// still equal, bit for bit, the row-by-row dot that prefill and sparse rows use: per block the exact
// integer sum, then one float FMA per block into one accumulator, blocks in order:
//     acc = fma((float) sum_b, dw_b * da_b, acc)
// which is also the scalar reference's order (with one rounding less per block).
TARGET_AVX2 static inline int q4_0_block_sum(const uint8_t *wb, const uint8_t *xb) {
    const __m256i q = q4_0_values(wb);
    const __m256i a = _mm256_loadu_si256((const __m256i *) (xb + 2));
    return sum_int_lanes(dot_u8s8(_mm256_setzero_si256(), _mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q)));
}

TARGET_AVX2 static inline float fma_scalar(float a, float b, float c) {
    return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}

TARGET_AVX2 static float dot_q4_0(const uint8_t *w, const uint8_t *x, int blocks) {
    float acc = 0.0f;
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wb = w + 18 * b;
        const uint8_t *xb = x + 34 * b;
        acc = fma_scalar((float) q4_0_block_sum(wb, xb), half_to_float(wb) * half_to_float(xb), acc);
    }
    return acc;
}

// Eight Q4_0 rows against one token, from the rows as stored (no repacked copy): per block each row's exact
// integer sum as dot_q4_0 makes it, the eight sums transposed into one vector by three rounds of horizontal adds
// (integers: exact), then one vector FMA, lane k being row k's `fma((float) sum, dw * da, acc)` in block order:
// bit-equal to dot_q4_0 and to the eight-row kernel over the x8 copy, at about half the instructions of eight
// dot_q4_0 (no horizontal sum and scalar FMA per row and block). What --no-repack decode runs on.
TARGET_AVX2 static void dot8_q4_0(const uint8_t *const rows[8], const uint8_t *x, int blocks, float *y,
                                  int64_t y_step) {
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        const uint8_t *xb = x + 34 * b;
        const __m256i a = _mm256_loadu_si256((const __m256i *) (xb + 2));
        __m256i s[8];
        uint16_t dw[8];
        for (int k = 0; k < 8; k++) {
            const uint8_t *wb = rows[k] + 18 * b;
            const __m256i q = q4_0_values(wb);
            s[k] = dot_u8s8(_mm256_setzero_si256(), _mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q));
            memcpy(&dw[k], wb, 2);
        }
        // per 128-bit lane: hadd pairs, then quads; the two lanes hold each row's lower and upper four sums
        const __m256i u0 = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
        const __m256i u1 = _mm256_hadd_epi32(_mm256_hadd_epi32(s[4], s[5]), _mm256_hadd_epi32(s[6], s[7]));
        const __m256i sums = _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20),
                                              _mm256_permute2x128_si256(u0, u1, 0x31));
        const __m256 scale = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) dw)),
                                           _mm256_set1_ps(half_to_float(xb)));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), scale, acc);
    }
    float out[8];
    _mm256_storeu_ps(out, acc);
    for (int k = 0; k < 8; k++) {
        y[k * y_step] = out[k];
    }
}

// Q4_0 rows repacked eight at a time: per group of 8 rows and block, 144 bytes (as 8 blocks): the 8
// rows' fp16 scales, then 4 x 32 bytes in which 32-bit lane k of register m holds bytes 4m..4m+3 of row
// k's block (low nibbles: values 4m..4m+3; high: values 16+4m..). An activation's 4 bytes broadcast to
// every lane then meet 8 rows at once, and vpmaddubsw + vpmaddwd leave row k's block sum in lane k: no
// horizontal sums, one vcvtph2ps for 8 scales. The nibbles go in unsigned (0..15; 8 of them sum to at
// most 8 * 2 * 15 * 128 in a 16-bit lane, which fits) and the 8 comes off as 8 * sum(a).

// One group of 8 repacked rows against NT (1..4) tokens whose per-block activation sums (times 8) and
// scales were gathered beforehand: per block and token, 8 broadcasts of 4 activation bytes, 8 vpmaddubsw
// into 16-bit lanes, one vpmaddwd to 32-bit, then the 8 rows' sums as one FMA. NT is a constant at each
// call site, so the token loop unrolls and the accumulators stay in registers. The first pass over a
// tile prefetches its weights from memory; later passes find them in L2.
TARGET_AVX2 static inline void q4_0_x8_group(const uint8_t *o, int blocks, const uint8_t *x, int64_t x_bytes,
                                             const int32_t *asum8, const float *da, int stride, const int NT,
                                             const int prefetch, float *y, int64_t y_stride) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int b = 0; b < blocks; b++, o += 144) {
        if (prefetch) {
            // ~1 KB ahead: the hardware prefetcher alone leaves a core short of what it can read
            _mm_prefetch((const char *) o + 1024, _MM_HINT_T0);
            _mm_prefetch((const char *) o + 1024 + 64, _MM_HINT_T0);
            _mm_prefetch((const char *) o + 1024 + 128, _MM_HINT_T0);
        }
        __m256i q[8];
        for (int m = 0; m < 4; m++) {
            const __m256i p = _mm256_loadu_si256((const __m256i *) (o + 16 + 32 * m));
            q[m] = _mm256_and_si256(p, low);
            q[m + 4] = _mm256_and_si256(_mm256_srli_epi16(p, 4), low);
        }
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) o));
        for (int t = 0; t < NT; t++) {
            const uint8_t *a = x + t * x_bytes + 34 * b + 2;
            __m256i av[8];
            for (int m = 0; m < 8; m++) {
                int32_t a4;
                memcpy(&a4, a + 4 * m, 4);
                av[m] = _mm256_set1_epi32(a4);
            }
            const __m256i sums = _mm256_sub_epi32(dot8_u8s8(q, av), _mm256_set1_epi32(asum8[t * stride + b]));
            const __m256 scale = _mm256_mul_ps(dw, _mm256_set1_ps(da[t * stride + b]));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), scale, acc[t]);
        }
    }
    for (int t = 0; t < NT; t++) {
        _mm256_storeu_ps(y + t * y_stride, acc[t]);
    }
}

// Row groups per tile: 16 groups (128 rows; 147 KB of weights at 2048 columns) stay in L2 while every
// four tokens of the batch pass over them.
#define Q4_0_X8_TILE 16

// y[t * y_stride + 8g + k] = dot(row 8g + k, activation t) for groups g in [from, to) of the repacked rows
// and t in [0, batch): each block's nibbles are unpacked once for up to four tokens, and each token's
// block sums of activations (for the -8) and scales are gathered once per tile, not once per group. A
// token's arithmetic is the same in every batch, and equals dot_q4_0's on the unpacked row. The
// signature is the other rows kernels' (ids unused: packed rows are only ever taken whole), so one Java
// task drives them all.
TARGET_AVX2 static void rows_q4_0_x8(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from,
                                     int32_t to, const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols,
                                     float *y, int64_t y_stride) {
    (void) ids;
    const int blocks = cols / 32;
    const __m256i ones8 = _mm256_set1_epi8(1);
    int32_t asum8[4 * blocks];
    float da[4 * blocks];
    for (int32_t g0 = from; g0 < to; g0 += Q4_0_X8_TILE) {
        const int32_t g1 = to - g0 < Q4_0_X8_TILE ? to : g0 + Q4_0_X8_TILE;
        for (int32_t t0 = 0; t0 < batch; t0 += 4) {
            const int nt = batch - t0 < 4 ? batch - t0 : 4;
            const uint8_t *xt = x + (int64_t) t0 * x_bytes;
            for (int t = 0; t < nt; t++) {
                for (int b = 0; b < blocks; b++) {
                    const uint8_t *xb = xt + t * x_bytes + 34 * b;
                    const __m256i a = _mm256_loadu_si256((const __m256i *) (xb + 2));
                    asum8[t * blocks + b] = 8 * sum_int_lanes(dot_u8s8(_mm256_setzero_si256(), ones8, a));
                    da[t * blocks + b] = half_to_float(xb);
                }
            }
            for (int32_t g = g0; g < g1; g++) {
                const uint8_t *o = packed + (int64_t) g * 8 * row_bytes;
                float *yg = y + (int64_t) t0 * y_stride + 8 * (int64_t) g;
                switch (nt) {
                case 4: q4_0_x8_group(o, blocks, xt, x_bytes, asum8, da, blocks, 4, t0 == 0, yg, y_stride); break;
                case 3: q4_0_x8_group(o, blocks, xt, x_bytes, asum8, da, blocks, 3, t0 == 0, yg, y_stride); break;
                case 2: q4_0_x8_group(o, blocks, xt, x_bytes, asum8, da, blocks, 2, t0 == 0, yg, y_stride); break;
                default: q4_0_x8_group(o, blocks, xt, x_bytes, asum8, da, blocks, 1, t0 == 0, yg, y_stride); break;
                }
            }
        }
    }
}

// K-quants: super-blocks of 256 values against Q8_K activations (d as float32, qs[256], bsums[16]: the
// sums of each 16 activations). Unsigned weight levels go straight into vpmaddubsw, scaled per sub-block with
// vpmaddwd into 8 int lanes; Q4_K sums the lanes exactly before its FMA with d * da, Q6_K converts them and
// multiply-adds in float lanes, as llama.cpp's AVX2 code does.

// Q4_K super-block (144 bytes): d, dmin (fp16), scales[12], qs[128]: byte 32p + l holds value 64p + l
// (low nibble, sub-block 2p) and 64p + 32 + l (high nibble, sub-block 2p + 1); value = d*sc*q - dmin*m.

// Q4_K's 12 bytes of packed 6-bit scales and mins as two vectors of eight 16-bit values: the low 6 bits of bytes
// 0..3 (scales 0..3) and 4..7 (mins 0..3); scales and mins 4..7 from the nibbles of bytes 8..11, the top 2 bits of
// bytes 0..3 (scales) and 4..7 (mins) above them.
TARGET_AVX2 static inline void q4_k_scales_mins(const uint8_t *p, __m128i *scales, __m128i *mins) {
    uint32_t u[3];
    memcpy(u, p, 12);
    const uint32_t low6 = 0x3f3f3f3fu, low4 = 0x0f0f0f0fu, top2 = 0x03030303u;
    const uint32_t sc_lo = u[0] & low6;                                  // scales 0..3
    const uint32_t mn_lo = u[1] & low6;                                  // mins 0..3
    const uint32_t sc_hi = (u[2] & low4) | ((u[0] >> 6) & top2) << 4;    // scales 4..7
    const uint32_t mn_hi = ((u[2] >> 4) & low4) | ((u[1] >> 6) & top2) << 4; // mins 4..7
    *scales = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int) sc_hi, (int) sc_lo));
    *mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int) mn_hi, (int) mn_lo));
}

// A token's Q8_K activation (292 bytes a super-block: d as float, qs[256], bsums[16]) as the Q4_K rows use it,
// made once per call rather than once per row: each super-block's d, and its sixteen 16-value sums added in pairs
// (bsums[2s] + bsums[2s + 1]: the sums of sub-block s, at most 32 * 127, so 16 bits) for the minimums.
TARGET_AVX2 static inline void q8_k_prepare(const uint8_t *x, int blocks, float *xd, __m128i *pairs) {
    for (int b = 0; b < blocks; b++) {
        const uint8_t *xb = x + 292 * b;
        memcpy(&xd[b], xb, 4);
        pairs[b] = _mm_hadd_epi16(_mm_loadu_si128((const __m128i *) (xb + 260)),
                                  _mm_loadu_si128((const __m128i *) (xb + 276)));
    }
}

// One row against T tokens (1..4) whose activations were prepared (token t's at xd and pairs + t * stride): each
// super-block's scales are unpacked and its nibbles split once for the T tokens, then per token the super-block's
// exact integer sum into one FMA, and the minimums' (vpmaddwd of the mins with the sub-block sums) into another,
// subtracted at the end: generic.c's order, so the x8 rows below (and every batch) give the same bits.
TARGET_AVX2 static inline __attribute__((always_inline)) void q4_k_tile(
        const uint8_t *w, const uint8_t *x, int64_t x_bytes, const float *xd, const __m128i *pairs, int stride,
        const int T, int blocks, float *y, int64_t y_stride) {
    float acc[4], mins_acc[4];
    for (int t = 0; t < T; t++) {
        acc[t] = 0.0f;
        mins_acc[t] = 0.0f;
    }
    const __m256i low = _mm256_set1_epi8(0x0F);
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wb = w + 144 * b;
        __m128i sc16, mn16;
        q4_k_scales_mins(wb + 4, &sc16, &mn16);
        const __m256i sc = _mm256_broadcastsi128_si256(sc16);
        __m256i q[8], scale[8];
        for (int p = 0; p < 4; p++) {
            const __m256i bits = _mm256_loadu_si256((const __m256i *) (wb + 16 + 32 * p));
            q[2 * p] = _mm256_and_si256(bits, low);
            q[2 * p + 1] = _mm256_and_si256(_mm256_srli_epi16(bits, 4), low);
        }
        for (int s = 0; s < 8; s++) { // 16-bit value s in every lane
            scale[s] = _mm256_shuffle_epi8(sc, _mm256_set1_epi16((short) (0x0100 * (2 * s + 1) + 2 * s)));
        }
        const float d = half_to_float(wb);
        const float dmin = half_to_float(wb + 2);
        for (int t = 0; t < T; t++) {
            const uint8_t *qs = x + t * x_bytes + 292 * b + 4;
            __m256i sumi = _mm256_setzero_si256();
            for (int s = 0; s < 8; s++) { // sub-block s: values 32s..32s+31
                const __m256i p16 = _mm256_maddubs_epi16(q[s], _mm256_loadu_si256((const __m256i *) (qs + 32 * s)));
                sumi = madd_acc(sumi, p16, scale[s]);
            }
            const float da = xd[t * stride + b];
            acc[t] = fma_scalar((float) sum_int_lanes(sumi), d * da, acc[t]);
            __m128i m = _mm_madd_epi16(mn16, pairs[t * stride + b]);
            m = _mm_add_epi32(m, _mm_shuffle_epi32(m, 0x4E));
            m = _mm_add_epi32(m, _mm_shuffle_epi32(m, 0xB1));
            mins_acc[t] = fma_scalar((float) _mm_cvtsi128_si32(m), dmin * da, mins_acc[t]);
        }
    }
    for (int t = 0; t < T; t++) {
        y[t * y_stride] = acc[t] - mins_acc[t];
    }
}

// Eight rows' 6-bit values of one sub-block (bytes at p, row k's at p + k) as 16-bit pairs (v, v) in lane k: what
// vpmaddwd needs to multiply lane k's two 16-bit sums by row k's value.
TARGET_AVX2 static inline __m256i row_pairs(const uint8_t *p) {
    const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *) p));
    return _mm256_or_si256(v, _mm256_slli_epi32(v, 16));
}

// A group of eight x8-packed Q4_K rows (ember_kernels.c describes the layout) against NT (1..4) prepared tokens:
// row k in 32-bit lane k throughout. Per sub-block and token, eight vpmaddubsw of the rows' nibbles with four
// activation bytes broadcast, added in 16 bits (at most 8 * 2 * 15 * 127), one vpmaddwd with the rows' scales;
// the minimums as pairs of sub-blocks by vpmaddwd; then per row the two FMAs of q4_k_tile: its bits. Each
// super-block's nibbles are split once for the NT tokens.
TARGET_AVX2 static inline __attribute__((always_inline)) void q4_k_x8_group(
        const uint8_t *group, int blocks, const uint8_t *x, int64_t x_bytes, const float *xd, const __m128i *pairs,
        int stride, const int NT, float *y, int64_t y_stride) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m256 acc[4], mins_acc[4];
    for (int t = 0; t < NT; t++) {
        acc[t] = _mm256_setzero_ps();
        mins_acc[t] = _mm256_setzero_ps();
    }
    for (int b = 0; b < blocks; b++) {
        const uint8_t *o = group + (int64_t) b * EMBER_Q4_K_X8_BYTES;
        __m256i sumi[4], mins[4];
        int32_t sub_pairs[4][4]; // token t's (sum 2p, sum 2p + 1) of the activation, as one 32-bit value per p
        for (int t = 0; t < NT; t++) {
            sumi[t] = _mm256_setzero_si256();
            mins[t] = _mm256_setzero_si256();
            _mm_storeu_si128((__m128i *) sub_pairs[t], pairs[t * stride + b]);
        }
        for (int p = 0; p < 4; p++) { // chunk p: sub-blocks 2p (low nibbles) and 2p + 1 (high)
            __m256i s_lo[4], s_hi[4];
            for (int t = 0; t < NT; t++) {
                s_lo[t] = _mm256_setzero_si256();
                s_hi[t] = _mm256_setzero_si256();
            }
            for (int m = 0; m < 8; m++) {
                const __m256i w = _mm256_loadu_si256((const __m256i *) (o + 160 + 32 * (8 * p + m)));
                const __m256i lo = _mm256_and_si256(w, low);
                const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), low);
                for (int t = 0; t < NT; t++) {
                    const uint8_t *a = x + t * x_bytes + 292 * b + 4 + 64 * p + 4 * m;
                    int32_t a_lo, a_hi;
                    memcpy(&a_lo, a, 4);
                    memcpy(&a_hi, a + 32, 4);
                    s_lo[t] = _mm256_add_epi16(s_lo[t], _mm256_maddubs_epi16(lo, _mm256_set1_epi32(a_lo)));
                    s_hi[t] = _mm256_add_epi16(s_hi[t], _mm256_maddubs_epi16(hi, _mm256_set1_epi32(a_hi)));
                }
            }
            const __m256i sc_lo = row_pairs(o + 32 + 8 * (2 * p));
            const __m256i sc_hi = row_pairs(o + 32 + 8 * (2 * p + 1));
            // (mn[2p][k], mn[2p + 1][k]) as 16-bit pairs in lane k, against (sum 2p, sum 2p + 1) of each token
            const __m128i mn8 = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *) (o + 96 + 16 * p)),
                                                  _mm_loadl_epi64((const __m128i *) (o + 104 + 16 * p)));
            const __m256i mn = _mm256_cvtepu8_epi16(mn8);
            for (int t = 0; t < NT; t++) {
                sumi[t] = madd_acc(madd_acc(sumi[t], s_lo[t], sc_lo), s_hi[t], sc_hi);
                mins[t] = madd_acc(mins[t], mn, _mm256_set1_epi32(sub_pairs[t][p]));
            }
        }
        const __m256 dv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) o));
        const __m256 dmv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (o + 16)));
        for (int t = 0; t < NT; t++) {
            const __m256 da = _mm256_set1_ps(xd[t * stride + b]);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[t]), _mm256_mul_ps(dv, da), acc[t]);
            mins_acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mins[t]), _mm256_mul_ps(dmv, da), mins_acc[t]);
        }
    }
    for (int t = 0; t < NT; t++) {
        _mm256_storeu_ps(y + t * y_stride, _mm256_sub_ps(acc[t], mins_acc[t]));
    }
}

// One Q4_K row against one prepared token (the fused sparse FFN's gate and up rows)
TARGET_AVX2 static float dot_q4_k(const uint8_t *w, const uint8_t *x, const float *xd, const __m128i *pairs,
                                  int blocks) {
    float y;
    q4_k_tile(w, x, 0, xd, pairs, 0, 1, blocks, &y, 0);
    return y;
}

// Q6_K super-block (210 bytes): ql[128], qh[64], scales[16] (int8, one per 16 values), d (fp16). Value
// j = 128h + 32k + i: low 4 bits from ql[64h + 32(k & 1) + i] (low nibble for k < 2, else high), high 2
// bits from qh[32h + i] >> 2k; level = that - 32.

// One row against T tokens (1..4), as q4_k_tile: the levels and scales of a super-block made once for the T tokens.
// The levels go in unsigned (0..63) and the 32 comes off in integers: 32 * sum(sc * bsum), by vpmaddwd of the
// scales with the activation's 16-value sums, subtracted from the super-block's integer lanes before the one
// conversion and FMA.
TARGET_AVX2 static inline __attribute__((always_inline)) void q6_k_tile(const uint8_t *w, const uint8_t *x,
                                                                     int64_t x_bytes, const int T, int blocks,
                                                                     int pf, float *y, int64_t y_stride) {
    __m256 acc[4];
    for (int t = 0; t < T; t++) {
        acc[t] = _mm256_setzero_ps();
    }
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m256i two = _mm256_set1_epi8(3);
    for (int b = 0; b < blocks; b++) {
        const uint8_t *wb = w + 210 * b;
        prefetch_ahead(pf, wb);
        const __m128i sc8 = _mm_loadu_si128((const __m128i *) (wb + 192)); // 16 int8 scales, one per 16 values
        const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
        __m256i q[8], scale[8]; // values 32j..32j+31, j = 4h + k
        for (int h = 0; h < 2; h++) {
            const __m256i qh = _mm256_loadu_si256((const __m256i *) (wb + 128 + 32 * h));
            const __m256i ql0 = _mm256_loadu_si256((const __m256i *) (wb + 64 * h));
            const __m256i ql1 = _mm256_loadu_si256((const __m256i *) (wb + 64 * h + 32));
            for (int k = 0; k < 4; k++) {
                const __m256i ql = (k & 1) ? ql1 : ql0;
                const __m256i nib = k < 2 ? _mm256_and_si256(ql, low) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), low);
                const __m256i high = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), two);
                q[4 * h + k] = _mm256_or_si256(nib, _mm256_slli_epi16(high, 4));
                // values 0..15 of these 32 take scale g, 16..31 scale g + 1: bytes g (x8) and g + 1 (x8), widened
                const int g = 8 * h + 2 * k;
                const __m128i pick = _mm_set_epi64x(0x0101010101010101LL * (g + 1), 0x0101010101010101LL * g);
                scale[4 * h + k] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, pick));
            }
        }
        const float dw = half_to_float(wb + 208);
        for (int t = 0; t < T; t++) {
            const uint8_t *xb = x + t * x_bytes + 292 * b;
            float xd;
            memcpy(&xd, xb, 4);
            __m256i sumi = _mm256_setzero_si256();
            for (int j = 0; j < 8; j++) {
                const __m256i p16 = _mm256_maddubs_epi16(q[j], _mm256_loadu_si256((const __m256i *) (xb + 4 + 32 * j)));
                sumi = madd_acc(sumi, p16, scale[j]);
            }
            const __m256i off = _mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *) (xb + 260)));
            sumi = _mm256_sub_epi32(sumi, _mm256_slli_epi32(off, 5));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(dw * xd), acc[t]);
        }
    }
    for (int t = 0; t < T; t++) {
        y[t * y_stride] = sum_lanes(acc[t]);
    }
}

// One Q6_K row against one token (the fused sparse FFN's gate and up rows)
TARGET_AVX2 static float dot_q6_k(const uint8_t *w, const uint8_t *x, int blocks) {
    float y;
    q6_k_tile(w, x, 0, 1, blocks, 0, &y, 0);
    return y;
}

// Asks for the next chosen row while this one is computed: with ids (sparse rows) the hardware prefetcher
// cannot guess where it lies.
TARGET_AVX2 static inline void prefetch_row(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t next,
                                            int32_t to) {
    if (next < to) {
        const uint8_t *row = w + (ids ? (int64_t) ids[next] : (int64_t) next) * row_bytes;
        for (int64_t off = 0; off < row_bytes; off += 64) {
            _mm_prefetch((const char *) row + off, _MM_HINT_T0);
        }
    }
}

// y[t * y_stride + i] = dot(row ids[i] (or i) of w, activation t) for i in [from, to), t in [0, batch).
// w: rows of row_bytes; x: batch activation rows of x_bytes (Q8_0 blocks); cols a multiple of 32.
// Q4_0 rows as stored (the x8 copies have their own kernel): eight rows at a time, each token apart, the rest
// row by row, so a row (a few KB) stays in L1 while the batch's tokens meet it.
TARGET_AVX2 static void rows_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                                  const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y,
                                  int64_t y_stride) {
    const int blocks = cols / 32;
    int32_t i = from;
    for (; i + 8 <= to; i += 8) { // bit-equal to the row-by-row dot below
        const uint8_t *rows[8];
        for (int k = 0; k < 8; k++) {
            rows[k] = w + (ids ? (int64_t) ids[i + k] : (int64_t) (i + k)) * row_bytes;
        }
        for (int32_t t = 0; t < batch; t++) {
            dot8_q4_0(rows, x + t * x_bytes, blocks, y + t * y_stride + i, 1);
        }
    }
    for (; i < to; i++) {
        const uint8_t *row = w + (ids ? (int64_t) ids[i] : (int64_t) i) * row_bytes;
        if (ids) {
            prefetch_row(w, row_bytes, ids, i + 1, to);
        }
        for (int32_t t = 0; t < batch; t++) { // compute-bound row by row: the packed kernel is the one that streams
            y[t * y_stride + i] = dot_q4_0(row, x + t * x_bytes, blocks);
        }
    }
}

// q8_0_tile for nt (1..4) tokens: a constant T for each, so the token loops unroll
TARGET_AVX2 static inline __attribute__((always_inline)) void q8_0_tokens(
        const uint8_t *const rows[], const int R, const uint8_t *x, int64_t x_bytes, const float *da, int blocks,
        int nt, float *y, int64_t y_stride) {
    switch (nt) {
    case 4: q8_0_tile(rows, R, x, x_bytes, da, blocks, 4, blocks, 0, y, y_stride); break;
    case 3: q8_0_tile(rows, R, x, x_bytes, da, blocks, 3, blocks, 0, y, y_stride); break;
    case 2: q8_0_tile(rows, R, x, x_bytes, da, blocks, 2, blocks, 0, y, y_stride); break;
    default: q8_0_tile(rows, R, x, x_bytes, da, blocks, 1, blocks, 0, y, y_stride); break;
    }
}

// Rows per tile of the Q8_0 prefill: 16 rows (35 KB at 2048 columns) stay in L2 while every four tokens of the
// batch pass over them, two rows at a time (eight chains: more spill out of the 16 registers).
#define Q8_0_TILE 16

// Q8_0 rows: decode (one token) row by row; prefill in tiles of Q8_0_TILE rows, for each
// four tokens two rows at a time (q8_0_tile). Every (row, token) dot sums as dot_q8_0: the same bits in any batch.
TARGET_AVX2 static void rows_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                                  const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y,
                                  int64_t y_stride) {
    const int blocks = cols / 32;
    float da[4 * blocks];
    const uint8_t *rows[2];
    if (batch == 1) { // row by row, each a stream prefetched 2 KB ahead (four rows side by side read slower)
        q8_0_scales(x, x_bytes, 1, blocks, da);
        for (int32_t i = from; i < to; i++) {
            rows[0] = w + (ids ? (int64_t) ids[i] : (int64_t) i) * row_bytes;
            if (ids) {
                prefetch_row(w, row_bytes, ids, i + 1, to);
            }
            q8_0_tile(rows, 1, x, x_bytes, da, blocks, 1, blocks, ids ? 0 : 2048, y + i, 1);
        }
        return;
    }
    for (int32_t i0 = from; i0 < to; i0 += Q8_0_TILE) {
        const int32_t i1 = to - i0 < Q8_0_TILE ? to : i0 + Q8_0_TILE;
        for (int32_t t0 = 0; t0 < batch; t0 += 4) {
            const int nt = batch - t0 < 4 ? batch - t0 : 4;
            const uint8_t *xt = x + (int64_t) t0 * x_bytes;
            q8_0_scales(xt, x_bytes, nt, blocks, da);
            for (int32_t i = i0; i < i1; i += 2) {
                const int nr = i1 - i < 2 ? 1 : 2;
                for (int k = 0; k < nr; k++) {
                    rows[k] = w + (ids ? (int64_t) ids[i + k] : (int64_t) (i + k)) * row_bytes;
                }
                float *yt = y + (int64_t) t0 * y_stride + i;
                if (nr == 2) {
                    q8_0_tokens(rows, 2, xt, x_bytes, da, blocks, nt, yt, y_stride);
                } else {
                    q8_0_tokens(rows, 1, xt, x_bytes, da, blocks, nt, yt, y_stride);
                }
            }
        }
    }
}

// One row against T tokens, Q4_K or Q6_K (q4k and T are constants at each call)
TARGET_AVX2 static inline __attribute__((always_inline)) void k_tile(
        const int q4k, const uint8_t *row, const uint8_t *x, int64_t x_bytes, const float *xd, const __m128i *pairs,
        int stride, const int T, int blocks, int pf, float *y, int64_t y_stride) {
    if (q4k) {
        q4_k_tile(row, x, x_bytes, xd, pairs, stride, T, blocks, y, y_stride);
    } else {
        q6_k_tile(row, x, x_bytes, T, blocks, pf, y, y_stride);
    }
}

// Rows per tile of the K-quant prefill: 16 rows (18-27 KB at 2048 columns) stay in L1-L2 while every four tokens
// of the batch pass over them.
#define K_TILE 16

// The K-quants' rows (x_bytes: 292 per 256 values): decode row by row; prefill in tiles of K_TILE rows, each row
// against four tokens at a time, so each of its super-blocks is unpacked once per four tokens.
TARGET_AVX2 static inline __attribute__((always_inline)) void rows_q8_k_activations(
        const int q4k, const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from,
        int32_t to, const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols,
        float *y, int64_t y_stride) {
    const int blocks = cols / 256;
    float xd[4 * blocks];
    __m128i pairs[4 * blocks];
    if (batch == 1) {
        q8_k_prepare(x, blocks, xd, pairs);
        for (int32_t i = from; i < to; i++) {
            const uint8_t *row = w + (ids ? (int64_t) ids[i] : (int64_t) i) * row_bytes;
            if (ids) {
                prefetch_row(w, row_bytes, ids, i + 1, to);
            }
            k_tile(q4k, row, x, x_bytes, xd, pairs, blocks, 1, blocks, !ids, y + i, y_stride);
        }
        return;
    }
    for (int32_t i0 = from; i0 < to; i0 += K_TILE) {
        const int32_t i1 = to - i0 < K_TILE ? to : i0 + K_TILE;
        for (int32_t t0 = 0; t0 < batch; t0 += 4) {
            const int nt = batch - t0 < 4 ? batch - t0 : 4;
            const uint8_t *xt = x + (int64_t) t0 * x_bytes;
            for (int t = 0; t < nt; t++) {
                q8_k_prepare(xt + t * x_bytes, blocks, xd + t * blocks, pairs + t * blocks);
            }
            const int pf = !ids && t0 == 0; // the first pass streams the rows from memory; later ones find them
            for (int32_t i = i0; i < i1; i++) {
                const uint8_t *row = w + (ids ? (int64_t) ids[i] : (int64_t) i) * row_bytes;
                float *yt = y + (int64_t) t0 * y_stride + i;
                switch (nt) {
                case 4: k_tile(q4k, row, xt, x_bytes, xd, pairs, blocks, 4, blocks, pf, yt, y_stride); break;
                case 3: k_tile(q4k, row, xt, x_bytes, xd, pairs, blocks, 3, blocks, pf, yt, y_stride); break;
                case 2: k_tile(q4k, row, xt, x_bytes, xd, pairs, blocks, 2, blocks, pf, yt, y_stride); break;
                default: k_tile(q4k, row, xt, x_bytes, xd, pairs, blocks, 1, blocks, pf, yt, y_stride); break;
                }
            }
        }
    }
}

// Groups [from, to) of eight x8-packed Q4_K rows (ids unused: packed rows are only ever taken whole), in tiles of
// four groups (32 rows) that every four tokens of the batch pass over; each row's dot is dot_q4_k's, bit for bit.
TARGET_AVX2 static void rows_q4_k_x8(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from,
                                     int32_t to, const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols,
                                     float *y, int64_t y_stride) {
    (void) ids;
    (void) row_bytes;
    const int blocks = cols / 256;
    float xd[4 * blocks];
    __m128i pairs[4 * blocks];
    for (int32_t g0 = from; g0 < to; g0 += 4) {
        const int32_t g1 = to - g0 < 4 ? to : g0 + 4;
        for (int32_t t0 = 0; t0 < batch; t0 += 4) {
            const int nt = batch - t0 < 4 ? batch - t0 : 4;
            const uint8_t *xt = x + (int64_t) t0 * x_bytes;
            for (int t = 0; t < nt; t++) {
                q8_k_prepare(xt + t * x_bytes, blocks, xd + t * blocks, pairs + t * blocks);
            }
            for (int32_t g = g0; g < g1; g++) {
                const uint8_t *group = packed + (int64_t) g * blocks * EMBER_Q4_K_X8_BYTES;
                float *yg = y + (int64_t) t0 * y_stride + 8 * (int64_t) g;
                switch (nt) {
                case 4: q4_k_x8_group(group, blocks, xt, x_bytes, xd, pairs, blocks, 4, yg, y_stride); break;
                case 3: q4_k_x8_group(group, blocks, xt, x_bytes, xd, pairs, blocks, 3, yg, y_stride); break;
                case 2: q4_k_x8_group(group, blocks, xt, x_bytes, xd, pairs, blocks, 2, yg, y_stride); break;
                default: q4_k_x8_group(group, blocks, xt, x_bytes, xd, pairs, blocks, 1, yg, y_stride); break;
                }
            }
        }
    }
}

TARGET_AVX2 static void rows_q4_k(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                                  const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y,
                                  int64_t y_stride) {
    rows_q8_k_activations(1, w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

TARGET_AVX2 static void rows_q6_k(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                                  const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y,
                                  int64_t y_stride) {
    rows_q8_k_activations(0, w, row_bytes, ids, from, to, x, x_bytes, batch, cols, y, y_stride);
}

// Q4_0 nibbles of one block minus 8, as four vectors of 8 floats (not yet scaled)
TARGET_AVX2 static inline void q4_0_block_levels(const uint8_t *wb, __m256 v[4]) {
    const __m128i packed = _mm_loadu_si128((const __m128i *) (wb + 2));
    const __m128i lo = _mm_sub_epi8(_mm_and_si128(packed, _mm_set1_epi8(0x0F)), _mm_set1_epi8(8));
    const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F)), _mm_set1_epi8(8));
    v[0] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo));
    v[1] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)));
    v[2] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi));
    v[3] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)));
}

// the same scaled by the block's d: the values the reference dequantizes to
TARGET_AVX2 static inline void q4_0_block_floats(const uint8_t *wb, __m256 v[4]) {
    const __m256 d = _mm256_set1_ps(half_to_float(wb));
    q4_0_block_levels(wb, v);
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_mul_ps(v[k], d);
    }
}

// Q8_0 block values as four vectors of 8 floats, unscaled, and scaled by the block's d
TARGET_AVX2 static inline void q8_0_block_levels(const uint8_t *wb, __m256 v[4]) {
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) (wb + 2 + 8 * k))));
    }
}

TARGET_AVX2 static inline void q8_0_block_floats(const uint8_t *wb, __m256 v[4]) {
    const __m256 d = _mm256_set1_ps(half_to_float(wb));
    q8_0_block_levels(wb, v);
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_mul_ps(v[k], d);
    }
}


// the block's 32 values dequantized as the reference does, Q4_0 or Q8_0
TARGET_AVX2 static inline void block_floats(const int q4, const uint8_t *wb, __m256 v[4]) {
    if (q4) {
        q4_0_block_floats(wb, v);
    } else {
        q8_0_block_floats(wb, v);
    }
}

// Sparse FFN down projection over a neuron-major matrix: y[j] += sum_i a[i] * row(ids[i])[j] for the columns
// j of blocks [from, to), rows in list order. Each value is dequantized as the reference does (d * q, in
// float) and added with one FMA per row: the simd provider's fused axpy, so the two agree bit for bit. Two
// rows per pass halve the loads and stores of y (the thread's columns, in L1); the next pair of chosen rows
// is prefetched, since the hardware cannot guess where it lies.
TARGET_AVX2 static inline __attribute__((always_inline)) void accumulate_floats(
        const int q4, const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count,
        int32_t from, int32_t to, float *y) {
    const int64_t block_bytes = q4 ? 18 : 34;
    int32_t i = 0;
    for (; i + 2 <= count; i += 2) {
        const uint8_t *r0 = w + (int64_t) ids[i] * row_bytes;
        const uint8_t *r1 = w + (int64_t) ids[i + 1] * row_bytes;
        for (int32_t n = i + 6; n < i + 8 && n < count; n++) {
            const uint8_t *next = w + (int64_t) ids[n] * row_bytes + block_bytes * from;
            for (int64_t off = 0; off < block_bytes * (to - from); off += 64) {
                _mm_prefetch((const char *) next + off, _MM_HINT_T0);
            }
        }
        const __m256 a0 = _mm256_set1_ps(a[i]);
        const __m256 a1 = _mm256_set1_ps(a[i + 1]);
        for (int32_t b = from; b < to; b++) {
            __m256 v0[4], v1[4];
            block_floats(q4, r0 + block_bytes * b, v0);
            block_floats(q4, r1 + block_bytes * b, v1);
            for (int k = 0; k < 4; k++) {
                float *yk = y + 32 * (int64_t) b + 8 * k;
                __m256 acc = _mm256_loadu_ps(yk);
                acc = _mm256_fmadd_ps(a0, v0[k], acc);
                acc = _mm256_fmadd_ps(a1, v1[k], acc);
                _mm256_storeu_ps(yk, acc);
            }
        }
    }
    for (; i < count; i++) {
        const uint8_t *r0 = w + (int64_t) ids[i] * row_bytes;
        const __m256 a0 = _mm256_set1_ps(a[i]);
        for (int32_t b = from; b < to; b++) {
            __m256 v0[4];
            block_floats(q4, r0 + block_bytes * b, v0);
            for (int k = 0; k < 4; k++) {
                float *yk = y + 32 * (int64_t) b + 8 * k;
                _mm256_storeu_ps(yk, _mm256_fmadd_ps(a0, v0[k], _mm256_loadu_ps(yk)));
            }
        }
    }
}

TARGET_AVX2 static void accumulate_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                                        int32_t count, int32_t from, int32_t to, float *y) {
    accumulate_floats(1, w, row_bytes, ids, a, count, from, to, y);
}

TARGET_AVX2 static void accumulate_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                                        int32_t count, int32_t from, int32_t to, float *y) {
    accumulate_floats(0, w, row_bytes, ids, a, count, from, to, y);
}

// Q4_0 rows for sparse products (matvecRows), repacked row by row eight blocks at a time: per row and group
// of 8 blocks (256 values), 144 bytes: the 8 blocks' fp16 scales, then 4 x 32 bytes in which 32-bit lane k of
// register m holds bytes 4m..4m+3 of block k's nibbles. The activation is interleaved the same way once per
// call, so vpmaddubsw + vpmaddwd leave block k's exact integer sum in lane k: no horizontal sum per block.
// The sums then go into the row's accumulator one FMA per block in block order, as dot_q4_0 and the
// eight-row kernel do, so a sparse row equals its dense result bit for bit.
// The layouts below: per row and group of 8 blocks, the 8 fp16 scales, then the 8 blocks' value bytes (vb: 16
// for Q4_0, 32 for Q8_0), either as stored ("r8d") or, Q4_0 only, interleaved four bytes at a time ("r8b").

// The activation of one token for r8b rows: its Q8_0 values interleaved as the rows are (act, 256 bytes per
// group of 8 blocks), 8 * the sum of each block's values (for the nibbles' -8) and each block's scale.
TARGET_AVX2 static void r8b_prepare(const uint8_t *x, int blocks, uint8_t *act, int32_t *asum8, float *da) {
    const __m256i ones8 = _mm256_set1_epi8(1);
    for (int b = 0; b < blocks; b++) {
        const uint8_t *xb = x + 34 * b;
        const __m256i a = _mm256_loadu_si256((const __m256i *) (xb + 2));
        asum8[b] = 8 * sum_int_lanes(dot_u8s8(_mm256_setzero_si256(), ones8, a));
        da[b] = half_to_float(xb);
        uint8_t *ag = act + 256 * (b / 8);
        const int k = b % 8;
        for (int m = 0; m < 4; m++) {
            memcpy(ag + 32 * m + 4 * k, xb + 2 + 4 * m, 4);        // values 4m..4m+3
            memcpy(ag + 128 + 32 * m + 4 * k, xb + 18 + 4 * m, 4); // values 16+4m..
        }
    }
}

// One r8b row against a prepared activation; prefetches the row at `ahead` (NULL: none) as it goes. The
// block sums go into the result one FMA per block in block order (bit-equal to the dense kernels), or with
// `lanes` into 8 float lanes summed at the end (the fused sparse FFN: within rounding, a third fewer
// instructions). `lanes` is a constant at each call, so each caller gets its own loop.
TARGET_AVX2 static inline float r8b_dot(const uint8_t *row, int groups, const uint8_t *act, const int32_t *asum8,
                                        const float *da, const uint8_t *ahead, const int lanes) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    float acc = 0.0f;
    __m256 accv = _mm256_setzero_ps();
    for (int g = 0; g < groups; g++) {
        const uint8_t *o = row + 144 * g;
        const uint8_t *ag = act + 256 * g;
        if (ahead) {
            _mm_prefetch((const char *) ahead + 144 * g, _MM_HINT_T0);
            _mm_prefetch((const char *) ahead + 144 * g + 64, _MM_HINT_T0);
            _mm_prefetch((const char *) ahead + 144 * g + 128, _MM_HINT_T0);
        }
        __m256i wv[8], av[8];
        for (int m = 0; m < 4; m++) {
            const __m256i wq = _mm256_loadu_si256((const __m256i *) (o + 16 + 32 * m));
            wv[m] = _mm256_and_si256(wq, low);
            wv[m + 4] = _mm256_and_si256(_mm256_srli_epi16(wq, 4), low);
            av[m] = _mm256_loadu_si256((const __m256i *) (ag + 32 * m));
            av[m + 4] = _mm256_loadu_si256((const __m256i *) (ag + 128 + 32 * m));
        }
        const __m256i sums = _mm256_sub_epi32(dot8_u8s8(wv, av), _mm256_loadu_si256((const __m256i *) (asum8 + 8 * g)));
        const __m256 scales = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) o)),
                                            _mm256_loadu_ps(da + 8 * g));
        if (lanes) {
            accv = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), scales, accv);
        } else {
            float s[8], sc[8];
            _mm256_storeu_ps(s, _mm256_cvtepi32_ps(sums));
            _mm256_storeu_ps(sc, scales);
            for (int k = 0; k < 8; k++) {
                acc = fma_scalar(s[k], sc[k], acc);
            }
        }
    }
    return lanes ? sum_lanes(accv) : acc;
}

TARGET_AVX2 static void rows_q4_0_r8b(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from,
                                      int32_t to, const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols,
                                      float *y, int64_t y_stride) {
    const int blocks = cols / 32;
    const int groups = blocks / 8;
    uint8_t act[256 * groups];
    int32_t asum8[blocks];
    float da[blocks];
    for (int32_t t = 0; t < batch; t++) {
        r8b_prepare(x + t * x_bytes, blocks, act, asum8, da);
        for (int32_t i = from; i < to; i++) {
            const uint8_t *row = packed + (ids ? (int64_t) ids[i] : (int64_t) i) * row_bytes;
            // the row four chosen rows ahead, a few lines per group: a burst of a whole row's prefetches at
            // once overflows the miss buffers
            const uint8_t *ahead = ids && i + 4 < to ? packed + (int64_t) ids[i + 4] * row_bytes : NULL;
            y[t * y_stride + i] = r8b_dot(row, groups, act, asum8, da, ahead, 0);
        }
    }
}

// The sparse FFN of one token over chosen neurons in one pass, on neuron bundles: per neuron n, bundle_bytes
// holding its gate row and its up row (over dim values: Q4_0 r8b, else as stored), then its W_down column
// (neuron-major) in "r8d": per group of 8 blocks of 32 outputs, the 8 blocks' fp16 scales, then their values
// as Q4_0 (16 nibble bytes a block) or Q8_0 (32 bytes) stores them. ids ascending; chunk c is
// ids[starts[c] .. starts[c + 1]) (fixed by the caller by neuron number, so the sums do not depend on the thread
// count):
//     h = act(gate . x) * (up . x)        (gate from `gate` when not NULL: computed densely by the caller)
//     partial[c][j] = sum over the chunk's neurons of h * down[j]
// act: 0 SiLU, 1 ReLU, 2 GELU (tanh form). h_out[i] gets each neuron's h. The partials are summed by
// ember_reduce_partials.
//
// The down projection runs on integers: a window of 8 chosen neurons with h != 0 (consecutive in the chunk)
// shares, per block of 32 outputs, one scale s = max |h * d| / 32767, and each neuron's h * d becomes
// k = round(h * d / s), 16 bits; vpmaddwd adds two neurons' nibbles times their k per instruction into 32-bit
// sums, then one conversion and FMA per window and block instead of one per neuron (each h * d within 1/65534
// of the window's largest; 8-bit k, as llama.cpp's Q8_0 h, loses far more). Neurons with h = 0 take no place in
// a window, so ReLU's exact skipping gives bit for bit what running every neuron gives. About twice the neurons
// a second of dequantizing each row to floats (docs/performance.md, "C kernel choices").

// A Q4_0 block's 16 nibble bytes as 32 unsigned levels in output order (low lane 0..15, high lane 16..31).
TARGET_AVX2 static inline __m256i q4_0_levels_u8(const uint8_t *nibbles) {
    const __m256i both = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) nibbles));
    return _mm256_and_si256(_mm256_srlv_epi32(both, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4)),
                            _mm256_set1_epi8(0x0F));
}

// y[0 .. dim) += sum over n < count of h[n] * row n, the window's integer pass described above, over r8d rows:
// per group of 8 blocks the 8 fp16 scales, then the blocks' values: Q4_0 nibbles (16 bytes a block, levels
// 0..15 and an offset of -8) or, with q8, Q8_0 values (32 signed bytes a block).
// Meanwhile asks for pf_bytes of each of pf[0 .. npf), a slice per block: this pass computes for a while from
// rows already in cache, and without it the memory would idle.
TARGET_AVX2 static inline __attribute__((always_inline)) void down_window(
        const uint8_t *const rows[8], const float h[8], int count, int groups, float *y, const uint8_t *const *pf,
        int npf, int64_t pf_bytes, const int q8) {
    const int64_t group_bytes = q8 ? 16 + 8 * 32 : 16 + 8 * 16;
    const int pairs = (count + 1) / 2;
    const int64_t pf_step = (pf_bytes / (8 * groups) + 63) / 64 * 64;
    int64_t pf_off = 0;
    for (int g = 0; g < groups; g++) {
        // per block of this group: each neuron's k, two neurons to a 32-bit lane (vpmaddwd's pairs); the scale;
        // for Q4_0, 8 * sum k (the nibbles' -8)
        __m256i k[8];
        __m256 m = _mm256_setzero_ps();
        __m256 c[8];
        for (int n = 0; n < 8; n++) {
            c[n] = _mm256_mul_ps(_mm256_set1_ps(h[n]),
                                 _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (rows[n] + group_bytes * g))));
            m = _mm256_max_ps(m, _mm256_andnot_ps(_mm256_set1_ps(-0.0f), c[n]));
        }
        const __m256 nonzero = _mm256_cmp_ps(m, _mm256_setzero_ps(), _CMP_GT_OQ);
        const __m256 inv = _mm256_and_ps(nonzero, _mm256_div_ps(_mm256_set1_ps(32767.0f), m));
        __m256i ksum = _mm256_setzero_si256();
        for (int n = 0; n < 8; n++) {
            k[n] = _mm256_cvtps_epi32(_mm256_mul_ps(c[n], inv));
            ksum = _mm256_add_epi32(ksum, k[n]);
        }
        int32_t kp[4][8], corr[8];
        float s[8];
        for (int p = 0; p < 4; p++) {
            _mm256_storeu_si256((__m256i *) kp[p],
                                _mm256_or_si256(_mm256_and_si256(k[2 * p], _mm256_set1_epi32(0xFFFF)),
                                                _mm256_slli_epi32(k[2 * p + 1], 16)));
        }
        _mm256_storeu_si256((__m256i *) corr, q8 ? _mm256_setzero_si256() : _mm256_slli_epi32(ksum, 3));
        _mm256_storeu_ps(s, _mm256_mul_ps(m, _mm256_set1_ps(1.0f / 32767.0f)));
        for (int kb = 0; kb < 8; kb++, pf_off += pf_step) {
            for (int q = 0; q < npf; q++) {
                for (int64_t o = pf_off; o < pf_off + pf_step && o < pf_bytes; o += 64) {
                    _mm_prefetch((const char *) pf[q] + o, _MM_HINT_T0);
                }
            }
            if (s[kb] == 0.0f) {
                continue; // every h * d of the window is 0 here: nothing to add
            }
            __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                              _mm256_setzero_si256()};
            for (int p = 0; p < pairs; p++) {
                const uint8_t *va = rows[2 * p] + group_bytes * g + 16 + (q8 ? 32 : 16) * kb;
                const uint8_t *vb = rows[2 * p + 1] + group_bytes * g + 16 + (q8 ? 32 : 16) * kb;
                // 32 values of each, in output order (Q4_0: low lane 0..15, high lane 16..31, as Q8_0 stores them)
                const __m256i a = q8 ? _mm256_loadu_si256((const __m256i *) va) : q4_0_levels_u8(va);
                const __m256i b = q8 ? _mm256_loadu_si256((const __m256i *) vb) : q4_0_levels_u8(vb);
                const __m256i kk = _mm256_set1_epi32(kp[p][kb]);
                const __m256i lo = _mm256_unpacklo_epi8(a, b); // outputs 0..7 | 16..23, a's and b's values paired
                const __m256i hi = _mm256_unpackhi_epi8(a, b); // outputs 8..15 | 24..31
                const __m128i part[4] = {_mm256_castsi256_si128(lo), _mm256_castsi256_si128(hi),
                                         _mm256_extracti128_si256(lo, 1), _mm256_extracti128_si256(hi, 1)};
                for (int v = 0; v < 4; v++) {
                    const __m256i w = q8 ? _mm256_cvtepi8_epi16(part[v]) : _mm256_cvtepu8_epi16(part[v]);
                    acc[v] = _mm256_add_epi32(acc[v], _mm256_madd_epi16(w, kk));
                }
            }
            const __m256i off = _mm256_set1_epi32(corr[kb]);
            const __m256 sv = _mm256_set1_ps(s[kb]);
            float *yb = y + 256 * g + 32 * kb;
            for (int v = 0; v < 4; v++) {
                const __m256 q = _mm256_cvtepi32_ps(_mm256_sub_epi32(acc[v], off));
                _mm256_storeu_ps(yb + 8 * v, _mm256_fmadd_ps(sv, q, _mm256_loadu_ps(yb + 8 * v)));
            }
        }
    }
}

// how many chosen neurons ahead the fused kernel prefetches (2 to 8 run alike: docs/performance.md)
#define AHEAD 3

// The fused pass for each block type of the gate and up rows: 0 Q4_0 (r8b rows, r8d Q4_0 down), 1 Q8_0 (rows
// as stored), 2 Q4_K and 3 Q6_K (rows as stored, against the token's Q8_K); the last three with an r8d Q8_0 down
// (K-quant down matrices are copied to Q8_0, see NeuronMajor). `kind` is a constant at each exported function.
TARGET_AVX2 static inline __attribute__((always_inline)) void sparse_ffn(
        const enum ember_block_type kind, const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids,
        const int32_t *starts, int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim, const float *gate,
        enum ember_activation act_kind,
        float *partials, float *h_out) {
    const int blocks = dim / 32;
    const int groups = blocks / 8;
    const int64_t row_bytes = kind == EMBER_Q4_0 ? (int64_t) blocks * 18 : kind == EMBER_Q8_0 ? (int64_t) blocks * 34
                              : (int64_t) (dim / 256) * (kind == EMBER_Q4_K ? 144 : 210);
    const int64_t skip = gate ? row_bytes : 0; // with the gate given, a bundle is read from its up row
    uint8_t act[kind == EMBER_Q4_0 ? 256 * groups : 1];
    int32_t asum8[kind == EMBER_Q4_0 ? blocks : 1];
    float da[kind == EMBER_Q4_0 || kind == EMBER_Q8_0 ? blocks : 1];
    float kxd[kind == EMBER_Q4_K ? dim / 256 : 1];
    __m128i kpairs[kind == EMBER_Q4_K ? dim / 256 : 1];
    if (kind == EMBER_Q4_0) {
        r8b_prepare(x, blocks, act, asum8, da);
    } else if (kind == EMBER_Q8_0) {
        q8_0_scales(x, 0, 1, blocks, da);
    } else if (kind == EMBER_Q4_K) {
        q8_k_prepare(x, dim / 256, kxd, kpairs);
    }
    const int32_t last = starts[to_chunk]; // prefetching looks past a chunk's end into the next one it runs
    for (int32_t k = starts[from_chunk]; k < last && k < starts[from_chunk] + 8; k++) { // the first eight, now
        const uint8_t *b = bundles + (int64_t) ids[k] * bundle_bytes;
        for (int64_t off = skip; off < bundle_bytes; off += 64) {
            _mm_prefetch((const char *) b + off, _MM_HINT_T0);
        }
    }
    for (int32_t c = from_chunk; c < to_chunk; c++) {
        float *y = partials + (int64_t) c * dim;
        memset(y, 0, sizeof(float) * dim);
        const int32_t end = starts[c + 1];
        const uint8_t *rows[8]; // the window: chosen neurons with h != 0, their down rows
        float h[8];
        int n = 0;
        for (int32_t i = starts[c]; i < end; i++) {
            const uint8_t *nb = bundles + (int64_t) ids[i] * bundle_bytes;
            const uint8_t *ahead = i + AHEAD < last ? bundles + (int64_t) ids[i + AHEAD] * bundle_bytes : NULL;
            float gv, u;
            if (kind == EMBER_Q4_0) { // the r8b dots prefetch the gate and up rows ahead as they go; the down row here
                gv = gate ? gate[i] : r8b_dot(nb, groups, act, asum8, da, ahead, 1);
                u = r8b_dot(nb + row_bytes, groups, act, asum8, da, ahead ? ahead + row_bytes : NULL, 1);
                if (ahead) {
                    for (int64_t off = 2 * row_bytes; off < bundle_bytes; off += 64) {
                        _mm_prefetch((const char *) ahead + off, _MM_HINT_T0);
                    }
                }
            } else {
                if (ahead) {
                    for (int64_t off = skip; off < bundle_bytes; off += 64) {
                        _mm_prefetch((const char *) ahead + off, _MM_HINT_T0);
                    }
                }
                if (kind == EMBER_Q8_0) {
                    gv = gate ? gate[i] : dot_q8_0(nb, x, da, blocks);
                    u = dot_q8_0(nb + row_bytes, x, da, blocks);
                } else if (kind == EMBER_Q4_K) {
                    gv = gate ? gate[i] : dot_q4_k(nb, x, kxd, kpairs, dim / 256);
                    u = dot_q4_k(nb + row_bytes, x, kxd, kpairs, dim / 256);
                } else {
                    gv = gate ? gate[i] : dot_q6_k(nb, x, dim / 256);
                    u = dot_q6_k(nb + row_bytes, x, dim / 256);
                }
            }
            const float hv = ember_activate(act_kind, gv) * u;
            h_out[i] = hv;
            if (hv != 0.0f) { // a neuron with h = 0 adds nothing, and must not change its window's scales
                rows[n] = nb + 2 * row_bytes;
                h[n++] = hv;
            }
            if (n == 8 || (i + 1 == end && n > 0)) {
                for (int q = n; q < 8; q++) { // empty places: k = 0 on any valid row
                    rows[q] = rows[0];
                    h[q] = 0.0f;
                }
                const uint8_t *next[8]; // the next eight chosen bundles, from where this pass reads them
                int nnext = 0;
                for (int32_t k = i + 1; k < last && nnext < 8; k++) {
                    next[nnext++] = bundles + (int64_t) ids[k] * bundle_bytes + skip;
                }
                down_window(rows, h, n, groups, y, next, nnext, bundle_bytes - skip, kind != EMBER_Q4_0);
                n = 0;
            }
        }
    }
}

TARGET_AVX2 static void sparse_ffn_q4_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids,
                                        const int32_t *starts, int32_t from_chunk, int32_t to_chunk, const uint8_t *x,
                                        int32_t dim, const float *gate, enum ember_activation act, float *partials,
                                        float *h_out) {
    sparse_ffn(EMBER_Q4_0, bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials, h_out);
}

TARGET_AVX2 static void sparse_ffn_q8_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids,
                                        const int32_t *starts, int32_t from_chunk, int32_t to_chunk, const uint8_t *x,
                                        int32_t dim, const float *gate, enum ember_activation act, float *partials,
                                        float *h_out) {
    sparse_ffn(EMBER_Q8_0, bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials, h_out);
}

TARGET_AVX2 static void sparse_ffn_q4_k(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids,
                                        const int32_t *starts, int32_t from_chunk, int32_t to_chunk, const uint8_t *x,
                                        int32_t dim, const float *gate, enum ember_activation act, float *partials,
                                        float *h_out) {
    sparse_ffn(EMBER_Q4_K, bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials, h_out);
}

TARGET_AVX2 static void sparse_ffn_q6_k(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids,
                                        const int32_t *starts, int32_t from_chunk, int32_t to_chunk, const uint8_t *x,
                                        int32_t dim, const float *gate, enum ember_activation act, float *partials,
                                        float *h_out) {
    sparse_ffn(EMBER_Q6_K, bundles, bundle_bytes, ids, starts, from_chunk, to_chunk, x, dim, gate, act, partials, h_out);
}

// y[256 * from .. 256 * to) += sum over i of a[i] * row ids[i], over r8d rows (Q4_0, or with q8 Q8_0), in windows
// of eight rows as the fused sparse FFN's down projection sums (down_window: 16-bit coefficients sharing a scale
// per block of 32 outputs; rows with a[i] = 0 take no place). TEAL's input-major projections run here: the
// float accumulation above dequantizes each row and adds it one FMA per value. The windows are formed over the
// whole id list whatever range of outputs a thread takes, so the sums do not depend on the thread count.
TARGET_AVX2 static inline __attribute__((always_inline)) void accumulate_windows(
        const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count, int32_t from,
        int32_t to, float *y, const int q8) {
    const int64_t group_bytes = q8 ? 16 + 8 * 32 : 16 + 8 * 16;
    const int64_t slice = group_bytes * (to - from); // the bytes of a row this range reads
    const uint8_t *rows[8];
    float h[8];
    int n = 0;
    for (int32_t k = 0; k < count && k < 8; k++) { // the first window's rows, now
        for (int64_t off = 0; off < slice; off += 64) {
            _mm_prefetch((const char *) (w + (int64_t) ids[k] * row_bytes + group_bytes * from) + off, _MM_HINT_T0);
        }
    }
    for (int32_t i = 0; i < count; i++) {
        if (a[i] != 0.0f) {
            rows[n] = w + (int64_t) ids[i] * row_bytes + group_bytes * from;
            h[n++] = a[i];
        }
        if (n == 8 || (i + 1 == count && n > 0)) {
            for (int q = n; q < 8; q++) {
                rows[q] = rows[0];
                h[q] = 0.0f;
            }
            const uint8_t *next[8];
            int nnext = 0;
            for (int32_t k = i + 1; k < count && nnext < 8; k++) {
                next[nnext++] = w + (int64_t) ids[k] * row_bytes + group_bytes * from;
            }
            down_window(rows, h, n, to - from, y + 256 * (int64_t) from, next, nnext, slice, q8);
            n = 0;
        }
    }
}

TARGET_AVX2 static void accumulate_r8d_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                                            int32_t count, int32_t from, int32_t to, float *y) {
    accumulate_windows(w, row_bytes, ids, a, count, from, to, y, 0);
}

TARGET_AVX2 static void accumulate_r8d_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a,
                                            int32_t count, int32_t from, int32_t to, float *y) {
    accumulate_windows(w, row_bytes, ids, a, count, from, to, y, 1);
}

// out[j] += sum over chunks c (in order) of partials[c][j], for the columns of blocks [from, to) of 32.
TARGET_AVX2 static void reduce_partials(const float *partials, int32_t chunks, int32_t dim, int32_t from, int32_t to,
                                        float *out) {
    for (int32_t b = from; b < to; b++) {
        for (int k = 0; k < 4; k++) {
            const int64_t j = 32 * (int64_t) b + 8 * k;
            __m256 acc = _mm256_loadu_ps(out + j);
            for (int32_t c = 0; c < chunks; c++) {
                acc = _mm256_add_ps(acc, _mm256_loadu_ps(partials + (int64_t) c * dim + j));
            }
            _mm256_storeu_ps(out + j, acc);
        }
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
