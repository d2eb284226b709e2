// ember_rows_q8_0 on a 2048 x 2048 Q8_0 matrix against 1 or 64 tokens, one thread, the best of 20 passes: a
// check that a change to the C code (the file split, the macros turned into functions) left its speed alone.
//
//   gcc -O3 -o /tmp/rows_bench kernels-native/src/test/c/rows_bench.c kernels-native/src/main/c/ember_kernels.c kernels-native/src/main/c/generic.c kernels-native/src/main/c/x86_avx2.c -lm
//   /tmp/rows_bench 1; /tmp/rows_bench 64
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void ember_rows_q8_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to, const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
void ember_rows_q4_k(const uint8_t *w, int64_t row_bytes, const int32_t *ids, int32_t from, int32_t to, const uint8_t *x, int64_t x_bytes, int32_t batch, int32_t cols, float *y, int64_t y_stride);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
// fp16 1/16 as every block's scale: the products stay finite whatever the random bytes
static void scales(uint8_t *blocks, int64_t count) {
    const uint16_t h = 0x2c00;
    for (int64_t b = 0; b < count; b++) {
        memcpy(blocks + 34 * b, &h, 2);
    }
}

int main(int argc, char **argv) {
    const int rows = 2048, cols = 2048, batch = argc > 1 ? atoi(argv[1]) : 1;
    const int64_t rb = cols / 32 * 34, xb = cols / 32 * 34;
    uint8_t *w = malloc(rows * rb), *x = malloc(batch * xb);
    for (size_t i = 0; i < (size_t) rows * rb; i++) {
        w[i] = rand();
    }
    for (size_t i = 0; i < (size_t) batch * xb; i++) {
        x[i] = rand();
    }
    scales(w, (int64_t) rows * (cols / 32));
    scales(x, (int64_t) batch * (cols / 32));
    float *y = malloc(4 * rows * batch);
    double best = 1e9;
    for (int r = 0; r < 20; r++) {
        double t0 = now();
        ember_rows_q8_0(w, rb, 0, 0, rows, x, xb, batch, cols, y, rows);
        double dt = now() - t0;
        best = dt < best ? dt : best;
    }
    printf("q8_0 rows, batch %d: %.3f ms\n", batch, best * 1e3);
    return 0;
}
