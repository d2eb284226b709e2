// Times the library's Q4_0 kernels on one core, outside the JVM: the row-by-row dot (ember_rows_q4_0, which
// sparse rows and leftover rows use) against the eight-row repacked one (ember_repack_q4_0_x8 +
// ember_rows_q4_0_x8, which matvec and matmul use), over one 302 MB random Q4_0 matrix of 2048 columns, and
// checks that the two agree bit for bit.
//
//   gcc -O3 -o /tmp/q4_0_bench kernels-native/src/test/c/q4_0_bench.c kernels-native/src/main/c/ember_kernels.c kernels-native/src/main/c/generic.c kernels-native/src/main/c/x86_avx2.c -lm
//   /tmp/q4_0_bench

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ember_rows_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                     const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
void ember_repack_q4_0_r8b(const uint8_t *w, int64_t row_bytes, int32_t rows, int32_t blocks, uint8_t *out);
void ember_rows_q4_0_r8b(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                         const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
void ember_repack_q4_0_x8(const uint8_t *w, int64_t row_bytes, int32_t groups, int32_t blocks, uint8_t *out);
void ember_rows_q4_0_x8(const uint8_t *packed, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to,
                        const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    const int cols = 2048, rows = 131072, blocks = cols / 32;
    const int64_t rb = blocks * 18;
    uint8_t *w = malloc(rb * rows), *packed = malloc(rb * rows), *x = malloc(blocks * 34);
    float *y1 = malloc(rows * 4), *y2 = malloc(rows * 4);
    srand(1);
    for (int64_t i = 0; i < rb * rows; i++) {
        w[i] = rand();
    }
    for (int64_t r = 0; r < rows; r++) {
        for (int b = 0; b < blocks; b++) { // finite fp16 scales around 2^-6
            w[r * rb + 18 * b] = rand();
            w[r * rb + 18 * b + 1] = 0x20 + (rand() & 7);
        }
    }
    for (int b = 0; b < blocks; b++) {
        x[34 * b] = rand();
        x[34 * b + 1] = 0x24;
        for (int j = 0; j < 32; j++) {
            x[34 * b + 2 + j] = (uint8_t) (int8_t) (rand() % 255 - 127);
        }
    }
    double t0 = now();
    ember_repack_q4_0_x8(w, rb, rows / 8, blocks, packed);
    printf("repack: %.2f GB/s\n", rb * rows / (now() - t0) / 1e9);
    ember_rows_q4_0(w, rb, NULL, 0, rows, x, 0, 1, cols, y1, rows);
    ember_rows_q4_0_x8(packed, rb, NULL, 0, rows / 8, x, 0, 1, cols, y2, rows);
    int differ = 0;
    for (int r = 0; r < rows; r++) {
        differ += memcmp(&y1[r], &y2[r], 4) != 0;
    }
    printf("rows whose results differ bit-wise: %d of %d\n", differ, rows);
    for (int k = 0; k < 4; k++) {
        double a = now();
        ember_rows_q4_0(w, rb, NULL, 0, rows, x, 0, 1, cols, y1, rows);
        double b = now();
        ember_rows_q4_0_x8(packed, rb, NULL, 0, rows / 8, x, 0, 1, cols, y2, rows);
        double c = now();
        printf("row by row %.2f GB/s   repacked %.2f GB/s\n", rb * rows / (b - a) / 1e9, rb * rows / (c - b) / 1e9);
    }
    // prefill: 128 tokens through the first 5632 rows (TinyLlama's FFN up matrix), tiled as matmul is
    const int batch = 128, prows = 5632;
    uint8_t *xs = malloc((int64_t) batch * blocks * 34);
    float *z1 = malloc((int64_t) batch * prows * 4), *z2 = malloc((int64_t) batch * prows * 4);
    for (int t = 0; t < batch; t++) {
        memcpy(xs + (int64_t) t * blocks * 34, x, blocks * 34);
        for (int b = 0; b < blocks; b++) {
            xs[(int64_t) t * blocks * 34 + 34 * b + 2 + t % 32] = (uint8_t) (int8_t) (2 * t - 127); // tokens differ (Q8_0 values stay in -127..127)
        }
    }
    ember_rows_q4_0(w, rb, NULL, 0, prows, xs, blocks * 34, batch, cols, z1, prows);
    ember_rows_q4_0_x8(packed, rb, NULL, 0, prows / 8, xs, blocks * 34, batch, cols, z2, prows);
    int pdiffer = 0;
    for (int64_t i = 0; i < (int64_t) batch * prows; i++) {
        pdiffer += memcmp(&z1[i], &z2[i], 4) != 0;
    }
    printf("prefill results that differ bit-wise: %d of %d\n", pdiffer, batch * prows);
    for (int k = 0; k < 3; k++) {
        double a = now();
        ember_rows_q4_0(w, rb, NULL, 0, prows, xs, blocks * 34, batch, cols, z1, prows);
        double b = now();
        ember_rows_q4_0_x8(packed, rb, NULL, 0, prows / 8, xs, blocks * 34, batch, cols, z2, prows);
        double c = now();
        const double macs = (double) batch * prows * cols;
        printf("prefill x%d: row by row %.1f GMAC/s   repacked %.1f GMAC/s\n", batch, macs / (b - a) / 1e9,
               macs / (c - b) / 1e9);
    }
    // sparse rows: a random 30 % of the rows, in order, row by row against the row-interleaved repack
    ember_repack_q4_0_r8b(w, rb, rows, blocks, packed);
    int32_t *ids = malloc(rows * 4);
    int nids = 0;
    for (int r = 0; r < rows; r++) {
        if (rand() % 10 < 3) {
            ids[nids++] = r;
        }
    }
    ember_rows_q4_0(w, rb, ids, 0, nids, x, 0, 1, cols, y1, rows);
    ember_rows_q4_0_r8b(packed, rb, ids, 0, nids, x, 0, 1, cols, y2, rows);
    int sdiffer = 0;
    for (int i = 0; i < nids; i++) {
        sdiffer += memcmp(&y1[i], &y2[i], 4) != 0;
    }
    printf("sparse rows whose results differ bit-wise: %d of %d\n", sdiffer, nids);
    for (int k = 0; k < 3; k++) {
        double a = now();
        ember_rows_q4_0(w, rb, ids, 0, nids, x, 0, 1, cols, y1, rows);
        double b = now();
        ember_rows_q4_0_r8b(packed, rb, ids, 0, nids, x, 0, 1, cols, y2, rows);
        double c = now();
        printf("sparse 30 %%: row by row %.2f GB/s   row-interleaved %.2f GB/s\n", rb * nids / (b - a) / 1e9,
               rb * nids / (c - b) / 1e9);
    }
    return differ != 0 || pdiffer != 0 || sdiffer != 0;
}
