// Conformance of the C kernels, run on the library as built (libember_kernels.so), for every kernel set the
// CPU runs: x86-64 natively, aarch64 under qemu-aarch64 with and without the dot-product extension
// (CrossArchConformanceTest builds and runs it; by hand, from kernels-native, with L=target/classes/native/linux-x86_64:
//   cc -O2 -Isrc/main/c -o /tmp/conformance src/test/c/conformance.c -L$L -lember_kernels -Wl,-rpath,$PWD/$L -lm
//   /tmp/conformance [VECTORS]
// ). It checks, on random blocks:
//   - each set against generic.c, the scalar C reference: bit for bit where the set promises generic's order
//     (the NEON sets everywhere; AVX2 for Q4_0 and Q4_K rows and every accumulation, its other dots sum in float
//     lanes),
//     and the AVX512-VNNI set against the AVX2 set, bit for bit everywhere
//   - each set's own contracts, bit for bit: a token's dot is the same in every batch and row subset, the
//     packed Q4_0 and Q4_K layouts give the rows' dot, the sparse FFN's chunks and the windows' column ranges are
//     independent of how they are split between threads
// and, given a file of vectors the Java scalar oracle wrote (CrossArchConformanceTest), each set's products
// against the oracle's within float rounding. Prints one line per set; exits 1 on any failure.

#include "ember_kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ISA_NAMES[] = {"generic", "avx2", "neon", "neon-dotprod", "avx512-vnni"};
static const char *const TYPE_NAMES[] = {"q4_0", "q8_0", "q4_k", "q6_k"};

static int checks;
static int failures;

static void check(int ok, const char *what, const char *isa, const char *type, int index, float got, float want) {
    checks++;
    if (!ok) {
        if (failures < 12) {
            fprintf(stderr, "FAIL %s %s %s [%d]: got %.9g, want %.9g\n", isa, what, type, index, got, want);
        }
        failures++;
    }
}

static int same_bits(float a, float b) { return memcmp(&a, &b, 4) == 0; }

// --- random blocks -------------------------------------------------------------------------------------------

static uint64_t state = 0x9E3779B97F4A7C15ull;

static uint32_t next_u32(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t) (state >> 16);
}

static float uniform(float lo, float hi) { return lo + (hi - lo) * (float) (next_u32() & 0xFFFFFF) / 16777216.0f; }

static int8_t int8_value(void) { return (int8_t) ((int) (next_u32() % 255) - 127); } // -127..127, as ggml's

static void put_half(uint8_t *p, float f) { // normal halves only: enough for scales
    uint32_t b;
    memcpy(&b, &f, 4);
    const uint32_t sign = (b >> 16) & 0x8000;
    const int exp = (int) ((b >> 23) & 0xFF) - 127 + 15;
    const uint16_t h = (uint16_t) (sign | (uint32_t) exp << 10 | ((b >> 13) & 0x3FF));
    p[0] = (uint8_t) h;
    p[1] = (uint8_t) (h >> 8);
}

static float signed_scale(void) { return (next_u32() & 1 ? 1.0f : -1.0f) * uniform(0.002f, 0.05f); }

static void random_bytes(uint8_t *p, int n) {
    for (int i = 0; i < n; i++) {
        p[i] = (uint8_t) next_u32();
    }
}

static const int BLOCK_VALUES[] = {32, 32, 256, 256};
static const int BLOCK_BYTES[] = {18, 34, 144, 210};

static int64_t row_bytes_of(int type, int cols) { return (int64_t) cols / BLOCK_VALUES[type] * BLOCK_BYTES[type]; }

static void random_row(int type, uint8_t *row, int cols) {
    for (int b = 0; b < cols / BLOCK_VALUES[type]; b++) {
        uint8_t *p = row + (int64_t) b * BLOCK_BYTES[type];
        random_bytes(p, BLOCK_BYTES[type]);
        switch (type) {
        case EMBER_Q4_0: put_half(p, signed_scale()); break;
        case EMBER_Q8_0:
            put_half(p, signed_scale());
            for (int j = 0; j < 32; j++) {
                p[2 + j] = (uint8_t) int8_value();
            }
            break;
        case EMBER_Q4_K: put_half(p, uniform(0.002f, 0.05f)); put_half(p + 2, uniform(0.002f, 0.05f)); break;
        default:
            for (int j = 0; j < 16; j++) {
                p[192 + j] = (uint8_t) int8_value();
            }
            put_half(p + 208, signed_scale());
        }
    }
}

// one token's activation as the type multiplies it: Q8_0 (34 bytes a block) or Q8_K (292: d, qs, bsums)
static int64_t x_bytes_of(int type, int cols) { return type <= EMBER_Q8_0 ? cols / 32 * 34 : cols / 256 * 292; }

static void random_activation(int type, uint8_t *x, int cols) {
    if (type <= EMBER_Q8_0) {
        for (int b = 0; b < cols / 32; b++) {
            put_half(x + 34 * b, uniform(0.01f, 0.1f));
            for (int j = 0; j < 32; j++) {
                x[34 * b + 2 + j] = (uint8_t) int8_value();
            }
        }
        return;
    }
    for (int b = 0; b < cols / 256; b++) {
        uint8_t *p = x + 292 * b;
        const float d = uniform(0.01f, 0.1f);
        memcpy(p, &d, 4);
        for (int g = 0; g < 16; g++) {
            int16_t sum = 0;
            for (int j = 0; j < 16; j++) {
                const int8_t v = int8_value();
                p[4 + 16 * g + j] = (uint8_t) v;
                sum = (int16_t) (sum + v);
            }
            memcpy(p + 260 + 2 * g, &sum, 2);
        }
    }
}

typedef void (*rows_fn)(const uint8_t *, int64_t, const int32_t *, int32_t, int32_t, const uint8_t *, int64_t,
                        int32_t, int32_t, float *, int64_t);

static rows_fn rows_of(int type) {
    switch (type) {
    case EMBER_Q4_0: return ember_rows_q4_0;
    case EMBER_Q8_0: return ember_rows_q8_0;
    case EMBER_Q4_K: return ember_rows_q4_k;
    default: return ember_rows_q6_k;
    }
}

// --- the checks of one set against generic and against itself -----------------------------------------------

enum { ROWS = 24, BATCH = 5, NEURONS = 40 };

// The set whose bits this one promises for a product (-1: none): generic's for the NEON sets, and for AVX2 where
// it sums in generic's order (avx2_as_generic); AVX2's for the VNNI set, which differs only in an instruction.
static int reference_of(int isa, int avx2_as_generic) {
    switch (isa) {
    case EMBER_AVX2: return avx2_as_generic ? EMBER_GENERIC : -1;
    case EMBER_AVX512_VNNI: return EMBER_AVX2;
    default: return EMBER_GENERIC;
    }
}

static void dots(int isa, int type, int cols) {
    const char *name = ISA_NAMES[isa];
    const int64_t rb = row_bytes_of(type, cols);
    const int64_t xb = x_bytes_of(type, cols);
    uint8_t *w = malloc(ROWS * rb);
    uint8_t *x = malloc(BATCH * xb);
    for (int r = 0; r < ROWS; r++) {
        random_row(type, w + r * rb, cols);
    }
    for (int t = 0; t < BATCH; t++) {
        random_activation(type, x + t * xb, cols);
    }
    float ref[BATCH * ROWS], got[BATCH * ROWS], one[ROWS], picked[6];
    const int32_t ids[6] = {ROWS - 1, 0, 7, 7, 13, 2};
    const int reference = reference_of(isa, type == EMBER_Q4_0 || type == EMBER_Q4_K);
    if (reference >= 0) {
        ember_select_isa(reference);
        rows_of(type)(w, rb, NULL, 0, ROWS, x, xb, BATCH, cols, ref, ROWS);
    }
    ember_select_isa(isa);
    rows_of(type)(w, rb, NULL, 0, ROWS, x, xb, BATCH, cols, got, ROWS);
    for (int i = 0; reference >= 0 && i < BATCH * ROWS; i++) {
        check(same_bits(got[i], ref[i]), "rows = reference set", name, TYPE_NAMES[type], i, got[i], ref[i]);
    }
    for (int t = 0; t < BATCH; t++) {
        rows_of(type)(w, rb, NULL, 0, ROWS, x + t * xb, xb, 1, cols, one, 1);
        rows_of(type)(w, rb, ids, 0, 6, x + t * xb, xb, 1, cols, picked, 1);
        for (int r = 0; r < ROWS; r++) {
            check(same_bits(one[r], got[t * ROWS + r]), "token alone = in a batch", name, TYPE_NAMES[type], r,
                  one[r], got[t * ROWS + r]);
        }
        for (int i = 0; i < 6; i++) {
            check(same_bits(picked[i], one[ids[i]]), "chosen rows = all rows", name, TYPE_NAMES[type], i, picked[i],
                  one[ids[i]]);
        }
    }
    if (type == EMBER_Q4_0) { // the packed layouts give the rows' dot
        uint8_t *x8 = malloc(ROWS * rb);
        uint8_t *r8b = malloc(ROWS * rb);
        ember_repack_q4_0_x8(w, rb, ROWS / 8, cols / 32, x8);
        ember_repack_q4_0_r8b(w, rb, ROWS, cols / 32, r8b);
        float packed[BATCH * ROWS], rows8b[BATCH * ROWS];
        ember_rows_q4_0_x8(x8, rb, NULL, 0, ROWS / 8, x, xb, BATCH, cols, packed, ROWS);
        ember_rows_q4_0_r8b(r8b, rb, NULL, 0, ROWS, x, xb, BATCH, cols, rows8b, ROWS);
        for (int i = 0; i < BATCH * ROWS; i++) {
            check(same_bits(packed[i], got[i]), "x8 = rows", name, "q4_0", i, packed[i], got[i]);
            check(same_bits(rows8b[i], got[i]), "r8b = rows", name, "q4_0", i, rows8b[i], got[i]);
        }
        free(x8);
        free(r8b);
    }
    if (type == EMBER_Q4_K) { // so does Q4_K's
        uint8_t *x8 = malloc(ROWS / 8 * (cols / 256) * EMBER_Q4_K_X8_BYTES);
        ember_repack_q4_k_x8(w, rb, ROWS / 8, cols / 256, x8);
        float packed[BATCH * ROWS];
        ember_rows_q4_k_x8(x8, rb, NULL, 0, ROWS / 8, x, xb, BATCH, cols, packed, ROWS);
        for (int i = 0; i < BATCH * ROWS; i++) {
            check(same_bits(packed[i], got[i]), "x8 = rows", name, "q4_k", i, packed[i], got[i]);
        }
        free(x8);
    }
    free(w);
    free(x);
}

// y += a_i * row ids[i]: floats (every set: generic's bits) and windows (r8d rows), split as two threads would
static void accumulations(int isa, int q8, int cols) {
    const char *name = ISA_NAMES[isa];
    const char *type = q8 ? "q8_0" : "q4_0";
    const int t = q8 ? EMBER_Q8_0 : EMBER_Q4_0;
    const int64_t rb = row_bytes_of(t, cols);
    uint8_t *w = malloc(NEURONS * rb);
    uint8_t *r8d = malloc(NEURONS * rb);
    for (int r = 0; r < NEURONS; r++) {
        random_row(t, w + r * rb, cols);
    }
    (q8 ? ember_repack_q8_0_r8d : ember_repack_q4_0_r8d)(w, rb, NEURONS, cols / 32, r8d);
    int32_t ids[NEURONS];
    float a[NEURONS];
    int count = 0;
    for (int n = 0; n < NEURONS; n++) {
        if (next_u32() % 3 != 0) {
            ids[count] = n;
            a[count++] = next_u32() % 5 == 0 ? 0.0f : uniform(-2.0f, 2.0f); // some zeros: they take no place
        }
    }
    float *ref = calloc(cols, 4), *got = calloc(cols, 4), *split = calloc(cols, 4);
    void (*floats)(const uint8_t *, int64_t, const int32_t *, const float *, int32_t, int32_t, int32_t, float *) =
            q8 ? ember_accumulate_q8_0 : ember_accumulate_q4_0;
    void (*windows)(const uint8_t *, int64_t, const int32_t *, const float *, int32_t, int32_t, int32_t, float *) =
            q8 ? ember_accumulate_r8d_q8_0 : ember_accumulate_r8d_q4_0;
    ember_select_isa(reference_of(isa, 1));
    floats(w, rb, ids, a, count, 0, cols / 32, ref);
    ember_select_isa(isa);
    floats(w, rb, ids, a, count, 0, cols / 32, got);
    for (int j = 0; j < cols; j++) {
        check(same_bits(got[j], ref[j]), "accumulate = reference set", name, type, j, got[j], ref[j]);
    }
    memset(ref, 0, 4 * cols);
    memset(got, 0, 4 * cols);
    ember_select_isa(reference_of(isa, 1));
    windows(r8d, rb, ids, a, count, 0, cols / 256, ref);
    ember_select_isa(isa);
    windows(r8d, rb, ids, a, count, 0, cols / 256, got);
    windows(r8d, rb, ids, a, count, 0, 1, split);
    windows(r8d, rb, ids, a, count, 1, cols / 256, split);
    for (int j = 0; j < cols; j++) {
        check(same_bits(got[j], ref[j]), "windows = reference set", name, type, j, got[j], ref[j]);
        check(same_bits(split[j], got[j]), "windows split = whole", name, type, j, split[j], got[j]);
    }
    free(w);
    free(r8d);
    free(ref);
    free(got);
    free(split);
}

typedef void (*ffn_fn)(const uint8_t *, int64_t, const int32_t *, const int32_t *, int32_t, int32_t, const uint8_t *,
                       int32_t, const float *, enum ember_activation, float *, float *);

// The fused sparse FFN on bundles (gate, up: Q4_0 in r8b, else as stored; down: r8d Q4_0 for Q4_0, else Q8_0)
static void sparse_ffn(int isa, int type, int dim, enum ember_activation act, int with_gate) {
    const char *name = ISA_NAMES[isa];
    const int64_t rb = row_bytes_of(type, dim);
    const int down_type = type == EMBER_Q4_0 ? EMBER_Q4_0 : EMBER_Q8_0;
    const int64_t drb = row_bytes_of(down_type, dim);
    uint8_t *gate = malloc(NEURONS * rb), *up = malloc(NEURONS * rb), *down = malloc(NEURONS * drb);
    uint8_t *g = malloc(NEURONS * rb), *u = malloc(NEURONS * rb), *d = malloc(NEURONS * drb);
    for (int n = 0; n < NEURONS; n++) {
        random_row(type, gate + n * rb, dim);
        random_row(type, up + n * rb, dim);
        random_row(down_type, down + n * drb, dim);
    }
    if (type == EMBER_Q4_0) {
        ember_repack_q4_0_r8b(gate, rb, NEURONS, dim / 32, g);
        ember_repack_q4_0_r8b(up, rb, NEURONS, dim / 32, u);
        ember_repack_q4_0_r8d(down, drb, NEURONS, dim / 32, d);
    } else {
        memcpy(g, gate, NEURONS * rb);
        memcpy(u, up, NEURONS * rb);
        ember_repack_q8_0_r8d(down, drb, NEURONS, dim / 32, d);
    }
    const int64_t bundle = 2 * rb + drb;
    uint8_t *bundles = malloc(NEURONS * bundle);
    ember_bundle(g, u, rb, d, drb, NEURONS, bundles);
    uint8_t *x = malloc(x_bytes_of(type, dim));
    random_activation(type, x, dim);
    int32_t ids[NEURONS];
    int count = 0;
    for (int n = 0; n < NEURONS; n++) {
        if (next_u32() % 4 != 0) {
            ids[count++] = n;
        }
    }
    const int32_t starts[4] = {0, count / 3, 2 * count / 3, count};
    float gates[NEURONS];
    for (int i = 0; i < count; i++) {
        gates[i] = uniform(-3.0f, 3.0f);
    }
    const float *gv = with_gate ? gates : NULL;
    ffn_fn f = type == EMBER_Q4_0 ? ember_sparse_ffn_q4_0 : type == EMBER_Q8_0 ? ember_sparse_ffn_q8_0
             : type == EMBER_Q4_K ? ember_sparse_ffn_q4_k : ember_sparse_ffn_q6_k;
    float *ref = calloc(3 * dim, 4), *got = calloc(3 * dim, 4), *split = calloc(3 * dim, 4);
    float href[NEURONS], hgot[NEURONS], hsplit[NEURONS];
    const int reference = reference_of(isa, 0);
    ember_select_isa(reference >= 0 ? reference : EMBER_GENERIC);
    f(bundles, bundle, ids, starts, 0, 3, x, dim, gv, act, ref, href);
    ember_select_isa(isa);
    f(bundles, bundle, ids, starts, 0, 3, x, dim, gv, act, got, hgot);
    f(bundles, bundle, ids, starts, 2, 3, x, dim, gv, act, split, hsplit); // as two threads: chunk 2, then 0..1
    f(bundles, bundle, ids, starts, 0, 2, x, dim, gv, act, split, hsplit);
    char what[64];
    snprintf(what, sizeof what, "sparse ffn act %d%s", act, with_gate ? " gate given" : "");
    const int exact = reference >= 0;
    for (int j = 0; j < 3 * dim; j++) {
        if (exact) {
            check(same_bits(got[j], ref[j]), what, name, TYPE_NAMES[type], j, got[j], ref[j]);
        }
        check(same_bits(split[j], got[j]), "sparse ffn chunks split = whole", name, TYPE_NAMES[type], j, split[j],
              got[j]);
    }
    for (int i = 0; i < count; i++) {
        if (exact) {
            check(same_bits(hgot[i], href[i]), "sparse ffn h", name, TYPE_NAMES[type], i, hgot[i], href[i]);
        }
    }
    float *out_ref = calloc(dim, 4), *out_got = calloc(dim, 4);
    ember_select_isa(reference_of(isa, 1));
    ember_reduce_partials(ref, 3, dim, 0, dim / 32, out_ref);
    ember_select_isa(isa);
    ember_reduce_partials(ref, 3, dim, 0, dim / 32, out_got);
    for (int j = 0; j < dim; j++) {
        check(same_bits(out_got[j], out_ref[j]), "reduce = reference set", name, TYPE_NAMES[type], j, out_got[j], out_ref[j]);
    }
    free(gate), free(up), free(down), free(g), free(u), free(d), free(bundles), free(x);
    free(ref), free(got), free(split), free(out_ref), free(out_got);
}

// --- vectors the Java scalar oracle wrote (CrossArchConformanceTest) -------------------------------------------

static void read_or_die(void *p, size_t n, FILE *f) {
    if (fread(p, 1, n, f) != n) {
        fprintf(stderr, "truncated vectors file\n");
        exit(2);
    }
}

// Per case: int32 op (0 rows, 1 float accumulation), type, rows, cols, batch (op 1: count); then the weight rows;
// op 0: batch activations, expected[batch * rows], magnitude[batch * rows];
// op 1: ids[count], a[count], expected[cols], magnitude[cols]. Within 4e-5 of the magnitude (sum of |terms|).
static void oracle(int isa, const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    int32_t cases;
    read_or_die(&cases, 4, f);
    for (int c = 0; c < cases; c++) {
        int32_t h[5];
        read_or_die(h, sizeof h, f);
        const int op = h[0], type = h[1], rows = h[2], cols = h[3], n = h[4];
        const int64_t rb = row_bytes_of(type, cols);
        uint8_t *w = malloc(rows * rb);
        read_or_die(w, rows * rb, f);
        const int outputs = op == 0 ? n * rows : cols;
        float *want = malloc(4 * outputs), *mag = malloc(4 * outputs), *got = calloc(outputs, 4);
        if (op == 0) {
            const int64_t xb = x_bytes_of(type, cols);
            uint8_t *x = malloc(n * xb);
            read_or_die(x, n * xb, f);
            read_or_die(want, 4 * outputs, f);
            read_or_die(mag, 4 * outputs, f);
            rows_of(type)(w, rb, NULL, 0, rows, x, xb, n, cols, got, rows);
            free(x);
        } else {
            int32_t *ids = malloc(4 * n);
            float *a = malloc(4 * n);
            read_or_die(ids, 4 * n, f);
            read_or_die(a, 4 * n, f);
            read_or_die(want, 4 * outputs, f);
            read_or_die(mag, 4 * outputs, f);
            (type == EMBER_Q4_0 ? ember_accumulate_q4_0 : ember_accumulate_q8_0)(w, rb, ids, a, n, 0, cols / 32, got);
            free(ids);
            free(a);
        }
        for (int i = 0; i < outputs; i++) {
            check(fabsf(got[i] - want[i]) <= 4e-5f * mag[i], op == 0 ? "rows = Java oracle" : "accumulate = Java oracle",
                  ISA_NAMES[isa], TYPE_NAMES[type], i, got[i], want[i]);
        }
        free(w), free(want), free(mag), free(got);
    }
    fclose(f);
}

int main(int argc, char **argv) {
    if (ember_abi_version() != EMBER_ABI_VERSION) {
        fprintf(stderr, "library ABI %d, header %d\n", ember_abi_version(), EMBER_ABI_VERSION);
        return 2;
    }
    const int chosen = ember_active_isa();
    printf("chosen for this CPU: %s\n", ISA_NAMES[chosen]);
    for (int isa = EMBER_GENERIC; isa <= EMBER_AVX512_VNNI; isa++) {
        if (!ember_select_isa(isa)) {
            printf("%s: not in this library or not on this CPU\n", ISA_NAMES[isa]);
            continue;
        }
        const int before_checks = checks, before_failures = failures;
        for (int type = EMBER_Q4_0; type <= EMBER_Q6_K; type++) {
            for (int cols = 256; cols <= 1024; cols *= 4) {
                dots(isa, type, cols);
            }
            for (enum ember_activation act = EMBER_SILU; act <= EMBER_GELU; act++) {
                sparse_ffn(isa, type, 512, act, 0);
            }
            sparse_ffn(isa, type, 256, EMBER_RELU, 1);
        }
        accumulations(isa, 0, 1024);
        accumulations(isa, 1, 1024);
        if (argc > 1) {
            oracle(isa, argv[1]);
        }
        printf("%s: %d checks, %d failed\n", ISA_NAMES[isa], checks - before_checks, failures - before_failures);
    }
    ember_select_isa(chosen);
    return failures == 0 ? 0 : 1;
}
