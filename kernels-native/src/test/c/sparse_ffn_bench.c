// Times the fused sparse FFN kernel (ember_sparse_ffn_q4_0) on one core, outside the JVM: TinyLlama's layer
// shape (dim 2048, 5632 neurons) times 8 layers of random neuron bundles (past the L3), a random share of the
// neurons chosen, in memory from ember_alloc (huge pages advised) as the Java side allocates it.
//
//   gcc -O3 -o /tmp/sparse_ffn_bench kernels-native/src/test/c/sparse_ffn_bench.c kernels-native/src/main/c/ember_kernels.c -lm
//   /tmp/sparse_ffn_bench 3     # 3/10 of the neurons: sparsity 0.7

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void *ember_alloc(int64_t bytes);
void ember_sparse_ffn_q4_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim,
                           const float *gate, int32_t act_kind, float *partials, float *h_out);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const int dim = 2048, neurons = 5632 * (argc > 2 ? atoi(argv[2]) : 8), blocks = dim / 32;
    const int64_t rb = blocks * 18, bb = 3 * rb;
    const int tenths = argc > 1 ? atoi(argv[1]) : 3;
    uint8_t *b = ember_alloc(bb * neurons), *x = malloc(blocks * 34);
    srand(1);
    for (int64_t i = 0; i < bb * neurons; i++) {
        b[i] = rand();
    }
    for (int64_t n = 0; n < neurons; n++) { // finite fp16 scales: the r8b groups' eight, the down blocks' one
        for (int r = 0; r < 2; r++) {
            for (int g = 0; g < blocks / 8; g++) {
                for (int k = 0; k < 8; k++) {
                    b[n * bb + r * rb + 144 * g + 2 * k + 1] = 0x20;
                }
            }
        }
        for (int k = 0; k < blocks; k++) {
            b[n * bb + 2 * rb + 18 * k + 1] = 0x20;
        }
    }
    for (int i = 0; i < blocks; i++) {
        x[34 * i] = 1;
        x[34 * i + 1] = 0x24;
        for (int j = 0; j < 32; j++) {
            x[34 * i + 2 + j] = (uint8_t) (int8_t) (rand() % 255 - 127);
        }
    }
    int32_t *ids = malloc(neurons * 4);
    int count = 0;
    for (int n = 0; n < neurons; n++) {
        if (rand() % 10 < tenths) {
            ids[count++] = n;
        }
    }
    float *partials = malloc(4L * dim * 17), *h = malloc(4L * count);
    int32_t starts[17]; // 16 chunks by neuron number, as the Java side makes them
    for (int c = 0, k = 0; c <= 16; c++) {
        while (k < count && ids[k] < (int64_t) c * neurons / 16) {
            k++;
        }
        starts[c] = c == 16 ? count : k;
    }
    for (int k = 0; k < 4; k++) {
        double t = now();
        ember_sparse_ffn_q4_0(b, bb, ids, starts, 0, 16, x, dim, NULL, 0, partials, h);
        double s = now() - t;
        printf("%d/10 of the neurons: %.2f GB/s of bundles, %.0f ns a neuron\n", tenths, bb * count / s / 1e9,
               s * 1e9 / count);
    }
    return 0;
}
