// Times the fused sparse FFN kernel (ember_sparse_ffn_q4_0) outside the JVM, and what merely reading the same
// bytes costs: TinyLlama's layer shape (dim 2048, 5632 neurons) times `layers` layers of random neuron bundles
// (8: past the L3; 1: mostly in it, the kernel's arithmetic alone), a random share of the neurons chosen, in
// memory from ember_alloc (huge pages advised) as the Java side allocates it. Each of `threads` threads (one
// per core) runs the same choice over its own copy of the layers, at the same time, as decode's halves do.
//
//   gcc -O3 -pthread -o /tmp/sparse_ffn_bench kernels-native/src/test/c/sparse_ffn_bench.c kernels-native/src/main/c/ember_kernels.c kernels-native/src/main/c/generic.c kernels-native/src/main/c/x86_avx2.c -lm
//   /tmp/sparse_ffn_bench 3            # 3/10 of the neurons (sparsity 0.7), 8 layers, 1 thread
//   /tmp/sparse_ffn_bench 3 8 2        # ... 2 threads at once: GB/s per thread
//   /tmp/sparse_ffn_bench 3 8 2 gate   # the gate given (CHESS, synthetic:S:gate): up and down rows only
//
// "kernel" lines time the fused pass; "read" lines touch every 64-byte line the kernel reads and do nothing
// else, in the fastest order found (four bundles at a time): the ceiling of this access pattern here.

#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *ember_alloc(int64_t bytes);
void ember_sparse_ffn_q4_0(const uint8_t *bundles, int64_t bundle_bytes, const int32_t *ids, const int32_t *starts,
                           int32_t from_chunk, int32_t to_chunk, const uint8_t *x, int32_t dim,
                           const float *gate, int32_t act_kind, float *partials, float *h_out);

enum { DIM = 2048, BLOCKS = DIM / 32, ROW = BLOCKS * 18, BUNDLE = 3 * ROW, CHUNKS = 16 };

static int neurons, count, gate_given;
static uint8_t *all, *x;
static int32_t *ids, starts[CHUNKS + 1];
static float *given;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// every line of the chosen bundles' rows the kernel reads, in the fastest order found for merely reading them:
// four bundles at once (four streams), the four after them prefetched line by line meanwhile
__attribute__((target("avx2"))) static uint64_t read_only(const uint8_t *bundles) {
    __m256i acc = _mm256_setzero_si256();
    const int64_t from = gate_given ? ROW : 0;
    for (int i = 0; i < count; i += 4) {
        const int n = count - i < 4 ? count - i : 4;
        for (int64_t off = from; off < BUNDLE; off += 64) {
            for (int q = 0; q < n; q++) {
                const uint8_t *b = bundles + (int64_t) ids[i + q] * BUNDLE;
                acc = _mm256_or_si256(acc, _mm256_loadu_si256((const __m256i *) (b + off)));
                if (i + q + 4 < count) {
                    _mm_prefetch((const char *) bundles + (int64_t) ids[i + q + 4] * BUNDLE + off, _MM_HINT_T0);
                }
            }
        }
    }
    uint64_t v[4];
    _mm256_storeu_si256((__m256i *) v, acc);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

struct job {
    int read;
    const uint8_t *bundles;
};

static void *run(void *arg) {
    const int read = ((const struct job *) arg)->read;
    const uint8_t *bundles = ((const struct job *) arg)->bundles;
    float *partials = malloc(4L * DIM * CHUNKS), *h = malloc(4L * count);
    uint64_t sink = 0;
    for (int k = 0; k < 4; k++) {
        double t = now();
        if (read) {
            sink ^= read_only(bundles);
        } else {
            ember_sparse_ffn_q4_0(bundles, BUNDLE, ids, starts, 0, CHUNKS, x, DIM, gate_given ? given : NULL, 0,
                                  partials, h);
        }
        double s = now() - t;
        const double bytes = (double) count * (gate_given ? 2 * ROW : BUNDLE);
        printf("%s %4.1f%% of %d neurons%s: %.2f GB/s, %.0f ns a neuron%s\n", read ? "read  " : "kernel",
               100.0 * count / neurons, neurons, gate_given ? ", gate given" : "", bytes / s / 1e9, s * 1e9 / count,
               sink == 1 ? " " : "");
    }
    free(partials);
    free(h);
    return NULL;
}

int main(int argc, char **argv) {
    const int tenths = argc > 1 ? atoi(argv[1]) : 3;
    const int layers = argc > 2 ? atoi(argv[2]) : 8;
    const int threads = argc > 3 ? atoi(argv[3]) : 1;
    gate_given = argc > 4 && strcmp(argv[4], "gate") == 0;
    neurons = 5632 * layers;
    uint8_t *bundles = all = ember_alloc((int64_t) BUNDLE * neurons * threads);
    x = malloc(BLOCKS * 34);
    srand(1);
    for (int64_t i = 0; i < (int64_t) BUNDLE * neurons * threads; i++) {
        bundles[i] = rand();
    }
    for (int64_t n = 0; n < (int64_t) neurons * threads; n++) { // finite fp16 scales: the r8b and r8d groups' eight each
        for (int r = 0; r < 3; r++) {
            for (int g = 0; g < BLOCKS / 8; g++) {
                for (int k = 0; k < 8; k++) {
                    bundles[n * BUNDLE + r * ROW + 144 * g + 2 * k + 1] = 0x20;
                }
            }
        }
    }
    for (int i = 0; i < BLOCKS; i++) {
        x[34 * i] = 1;
        x[34 * i + 1] = 0x24;
        for (int j = 0; j < 32; j++) {
            x[34 * i + 2 + j] = (uint8_t) (int8_t) (rand() % 255 - 127);
        }
    }
    ids = malloc(4L * neurons);
    for (int n = 0; n < neurons; n++) {
        if (rand() % 10 < tenths) {
            ids[count++] = n;
        }
    }
    given = malloc(4L * count);
    for (int i = 0; i < count; i++) {
        given[i] = (float) (rand() % 200 - 100) / 50.0f;
    }
    for (int c = 0, k = 0; c <= CHUNKS; c++) { // chunks by neuron number, as the Java side makes them
        while (k < count && ids[k] < (int64_t) c * neurons / CHUNKS) {
            k++;
        }
        starts[c] = c == CHUNKS ? count : k;
    }
    for (int read = 0; read < 2; read++) {
        pthread_t t[8];
        struct job jobs[8];
        for (int i = 0; i < threads && i < 8; i++) {
            jobs[i] = (struct job) {read, all + (int64_t) i * neurons * BUNDLE};
            pthread_create(&t[i], NULL, run, &jobs[i]);
        }
        for (int i = 0; i < threads && i < 8; i++) {
            pthread_join(t[i], NULL);
        }
    }
    return 0;
}
