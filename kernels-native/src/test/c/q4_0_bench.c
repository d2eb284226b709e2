// An experiment, not part of the library: how fast could Q4_0 decode be with the weights repacked at
// load into an 8-row interleave (the idea of llama.cpp's Q4_0_8x8 repacking, written here from the idea,
// not copied)? Per block of 8 rows: the 8 fp16 scales (one vcvtph2ps), then the nibbles arranged so that
// each 32-bit lane of a register holds one row's 4 consecutive values; an activation's 4 bytes are
// broadcast to all lanes, so vpmaddubsw + vpmaddwd leave one row's sum per int lane: no horizontal sums,
// no per-row scale broadcasts, and the -8 comes off once per block as 8 * sum(activations).
//
//   gcc -O3 -o /tmp/q4i kernels-native/src/test/c/q4_0_interleave_bench.c kernels-native/src/main/c/ember_kernels.c
//   /tmp/q4i
//
// prints the largest relative difference from the library's row-by-row kernel, then the speeds of both
// over one 302 MB random Q4_0 matrix (2048 columns), one core.

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <math.h>
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma,f16c")))
void ember_rows_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to, const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}

// repack 8 rows of Q4_0 (row_bytes each) into groups: per block b: 8 fp16 scales, then 4 x 32 bytes:
// register m' lane k = row k bytes 4m'..4m'+3 of the block's qs
static void repack8(const uint8_t *w, int64_t row_bytes, int blocks, uint8_t *out) {
    for (int b = 0; b < blocks; b++) {
        uint8_t *o = out + 144 * b;
        for (int k = 0; k < 8; k++) memcpy(o + 2 * k, w + k * row_bytes + 18 * b, 2);
        for (int m = 0; m < 4; m++)
            for (int k = 0; k < 8; k++)
                memcpy(o + 16 + 32 * m + 4 * k, w + k * row_bytes + 18 * b + 2 + 4 * m, 4);
    }
}

AVX2 static void gemv8(const uint8_t *g, int blocks, const uint8_t *x, const int32_t *xs, float *y) {
    __m256 acc = _mm256_setzero_ps();
    const __m256i low = _mm256_set1_epi8(0x0F);
    const __m256i ones = _mm256_set1_epi16(1);
    for (int b = 0; b < blocks; b++) {
        const uint8_t *o = g + 144 * b;
        const uint8_t *xb = x + 34 * b;
        const int32_t *x32 = (const int32_t *) (xb + 2);
        __m256i s16 = _mm256_setzero_si256();
        for (int m = 0; m < 4; m++) {
            const __m256i p = _mm256_loadu_si256((const __m256i *) (o + 16 + 32 * m));
            const __m256i lo = _mm256_and_si256(p, low);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(p, 4), low);
            s16 = _mm256_add_epi16(s16, _mm256_maddubs_epi16(lo, _mm256_set1_epi32(x32[m])));
            s16 = _mm256_add_epi16(s16, _mm256_maddubs_epi16(hi, _mm256_set1_epi32(x32[m + 4])));
        }
        __m256i s32 = _mm256_sub_epi32(_mm256_madd_epi16(s16, ones), _mm256_set1_epi32(8 * xs[b]));
        uint16_t h; memcpy(&h, xb, 2);
        const __m256 sc = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) o)), _mm256_set1_ps(_cvtsh_ss(h)));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s32), sc, acc);
    }
    _mm256_storeu_ps(y, acc);
}

int main() {
    int cols = 2048, rows = 131072, blocks = cols / 32; long rb = blocks * 18;
    uint8_t *w = malloc(rb * rows);
    for (long i = 0; i < rb * rows; i++) w[i] = rand();
    for (long r = 0; r < rows; r++) for (int b = 0; b < blocks; b++) { w[r*rb+b*18] = rand() & 0xFF; w[r*rb+b*18+1] = 0x20 + (rand() & 7); }
    uint8_t *x = malloc(blocks * 34); int32_t *xs = malloc(blocks * 4);
    for (int b = 0; b < blocks; b++) { x[34*b] = 0; x[34*b+1] = 0x24; int s = 0; for (int j = 0; j < 32; j++) { int8_t v = (int8_t)(rand() % 255 - 127); x[34*b+2+j] = (uint8_t) v; s += v; } xs[b] = s; }
    uint8_t *g = malloc(rb * rows);
    for (long r = 0; r < rows; r += 8) repack8(w + r * rb, rb, blocks, g + r * rb);
    float *y1 = malloc(rows * 4), *y2 = malloc(rows * 4);
    ember_rows_q4_0(w, rb, 0, 0, rows, x, 0, 1, cols, y1, rows);
    for (long r = 0; r < rows; r += 8) gemv8(g + r * rb, blocks, x, xs, y2 + r);
    double maxabs = 0, meanabs = 0;
    for (long r = 0; r < rows; r++) {
        double d = fabs(y1[r] - y2[r]);
        if (d > maxabs) maxabs = d;
        meanabs += fabs(y1[r]) / rows;
    }
    printf("largest |difference| %.3g, mean |y| %.3g\n", maxabs, meanabs);
    for (int k = 0; k < 4; k++) {
        double t0 = now();
        ember_rows_q4_0(w, rb, 0, 0, rows, x, 0, 1, cols, y1, rows);
        double t1 = now();
        for (long r = 0; r < rows; r += 8) {
            gemv8(g + r * rb, blocks, x, xs, y2 + r);
        }
        double t2 = now();
        printf("row-by-row %.2f GB/s   8-row interleave %.2f GB/s\n", rb * rows / (t1 - t0) / 1e9, rb * rows / (t2 - t1) / 1e9);
    }
    return 0;
}
