// ember_rows_q4_k / ember_rows_q6_k on ROWS x 2048 random super-blocks against BATCH tokens, one thread, the best of
// 20 passes, in the kernel set the library chose for this CPU: nanoseconds per super-block and token (the numbers
// behind the K-quant changes in docs/performance.md). From kernels-native, with L=target/classes/native/linux-x86_64:
//   gcc -O2 -Isrc/main/c -o /tmp/kquant_bench src/test/c/kquant_bench.c -L$L -lember_kernels -Wl,-rpath,$PWD/$L
//   /tmp/kquant_bench 512 1; /tmp/kquant_bench 16384 1; /tmp/kquant_bench 512 16; (add q6 for Q6_K)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ember_kernels.h"
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc, char **argv) {
    const int rows = atoi(argv[1]), cols = 2048, batch = atoi(argv[2]), q6 = argc > 3;
    const int64_t rb = cols / 256 * (q6 ? 210 : 144), xb = cols / 256 * 292;
    uint8_t *w = malloc((size_t) rows * rb), *x = malloc((size_t) batch * xb);
    for (size_t i = 0; i < (size_t) rows * rb; i++) w[i] = rand();
    for (size_t i = 0; i < (size_t) batch * xb; i++) x[i] = rand() % 64;
    for (int64_t b = 0; b < (int64_t) rows * (cols / 256); b++) { uint16_t h = 0x2c00; memcpy(w + b * (q6 ? 210 : 144) + (q6 ? 208 : 0), &h, 2); if (!q6) memcpy(w + b * 144 + 2, &h, 2); }
    float *y = malloc(4 * (size_t) rows * batch);
    double best = 1e9;
    for (int r = 0; r < 20; r++) {
        double t0 = now();
        (q6 ? ember_rows_q6_k : ember_rows_q4_k)(w, rb, 0, 0, rows, x, xb, batch, cols, y, rows);
        double dt = now() - t0; best = dt < best ? dt : best;
    }
    double sb = (double) rows * (cols / 256) * batch;
    printf("%s rows %d batch %d: %.3f ms, %.2f ns per super-block and token, %.1f GB/s of weights\n", q6 ? "q6_k" : "q4_k", rows, batch, best * 1e3, best * 1e9 / sb, (double) rows * rb / best / 1e9 * 1);
    return 0;
}
