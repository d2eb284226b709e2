// Every product of two builds of libember_kernels.so on the same deterministic inputs, compared bit for bit, per kernel
// set both hold: Q4_0/Q8_0/Q4_K/Q6_K rows (batch 1 and 5), the x8 Q4_0 and Q4_K layouts, the fused sparse FFN under
// each activation. The check behind a refactor that promises unchanged outputs (prints how many differ; exits 1 if
// any). The libraries must have the same ABI. From the repository root:
//   gcc -O1 -o /tmp/compare_libs kernels-native/src/test/c/compare_libs.c -ldl
//   /tmp/compare_libs OLD/libember_kernels.so NEW/libember_kernels.so
// (for aarch64: aarch64-linux-gnu-gcc, then qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu max /tmp/compare_libs ...)
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef void (*rows_fn)(const uint8_t*, int64_t, const int32_t*, int32_t, int32_t, const uint8_t*, int64_t, int32_t, int32_t, float*, int64_t);
typedef void (*ffn_fn)(const uint8_t*, int64_t, const int32_t*, const int32_t*, int32_t, int32_t, const uint8_t*, int32_t, const float*, int, float*, float*);
typedef void (*rep_fn)(const uint8_t*, int64_t, int32_t, int32_t, uint8_t*);
static uint64_t st = 88172645463325252ull;
static uint32_t rnd(void) { st ^= st << 13; st ^= st >> 7; st ^= st << 17; return (uint32_t) (st >> 16); }
static void fill(uint8_t *p, size_t n) { for (size_t i = 0; i < n; i++) p[i] = (uint8_t) rnd(); }
static void halves(uint8_t *p, size_t blocks, int stride, int off) { for (size_t b = 0; b < blocks; b++) { uint16_t h = 0x2000 | (rnd() & 0x3ff); if (rnd() & 1) h |= 0x8000; memcpy(p + b * stride + off, &h, 2); } }
static void i8fix(uint8_t *p, size_t n) { for (size_t i = 0; i < n; i++) if (p[i] == 0x80) p[i] = 0x81; }
static size_t run(void *lib, int isa, float *out) {
    int (*sel)(int) = dlsym(lib, "ember_select_isa");
    if (!sel(isa)) return 0;
    size_t n = 0;
    const int cols = 512, rows = 24, batch = 5;
    const char *names[] = {"ember_rows_q4_0", "ember_rows_q8_0", "ember_rows_q4_k", "ember_rows_q6_k"};
    const int bb[] = {18, 34, 144, 210}, bv[] = {32, 32, 256, 256};
    st = 88172645463325252ull;
    for (int ty = 0; ty < 4; ty++) {
        int64_t rb = cols / bv[ty] * bb[ty], xb = ty < 2 ? cols / 32 * 34 : cols / 256 * 292;
        uint8_t *w = malloc(rows * rb), *x = malloc(batch * xb); fill(w, rows * rb); fill(x, batch * xb);
        if (ty < 2) { halves(w, rows * cols / 32, bb[ty], 0); halves(x, batch * cols / 32, 34, 0); if (ty == 1) i8fix(w, rows * rb); i8fix(x, batch * xb); }
        else { halves(w, rows * cols / 256, bb[ty], ty == 2 ? 0 : 208); if (ty == 2) halves(w, rows * cols / 256, 144, 2);
               for (int b = 0; b < batch * cols / 256; b++) { float d = 0.01f; memcpy(x + 292 * b, &d, 4); i8fix(x + 292 * b + 4, 256); for (int g = 0; g < 16; g++) { int16_t s = 0; for (int j = 0; j < 16; j++) s += (int8_t) x[292*b+4+16*g+j]; memcpy(x + 292*b + 260 + 2*g, &s, 2);} } }
        rows_fn f = dlsym(lib, names[ty]);
        for (int bt = 1; bt <= batch; bt += 4) { f(w, rb, NULL, 0, rows, x, xb, bt, cols, out + n, rows); n += bt * rows; }
        if (ty == 0 || ty == 2) {
            uint8_t *p = malloc(rows * rb * 2);
            ((rep_fn) dlsym(lib, ty == 0 ? "ember_repack_q4_0_x8" : "ember_repack_q4_k_x8"))(w, rb, rows / 8, cols / bv[ty], p);
            ((rows_fn) dlsym(lib, ty == 0 ? "ember_rows_q4_0_x8" : "ember_rows_q4_k_x8"))(p, rb, NULL, 0, rows / 8, x, xb, batch, cols, out + n, rows); n += batch * rows;
            free(p);
        }
        // fused sparse FFN over bundles made from these rows as gate = up, down Q8_0 r8d (rows=24 neurons)
        {
            const char *fn[] = {"ember_sparse_ffn_q4_0", "ember_sparse_ffn_q8_0", "ember_sparse_ffn_q4_k", "ember_sparse_ffn_q6_k"};
            int64_t drb = ty == 0 ? cols / 32 * 18 : cols / 32 * 34;
            uint8_t *down = malloc(rows * drb), *d8 = malloc(rows * drb), *g = malloc(rows * rb);
            fill(down, rows * drb); halves(down, rows * cols / 32, ty == 0 ? 18 : 34, 0); if (ty) i8fix(down, rows * drb);
            ((rep_fn) dlsym(lib, ty == 0 ? "ember_repack_q4_0_r8d" : "ember_repack_q8_0_r8d"))(down, drb, rows, cols / 32, d8);
            if (ty == 0) ((rep_fn) dlsym(lib, "ember_repack_q4_0_r8b"))(w, rb, rows, cols / 32, g); else memcpy(g, w, rows * rb);
            int64_t bundle = 2 * rb + drb; uint8_t *bun = malloc(rows * bundle);
            ((void (*)(const uint8_t*, const uint8_t*, int64_t, const uint8_t*, int64_t, int32_t, uint8_t*)) dlsym(lib, "ember_bundle"))(g, g, rb, d8, drb, rows, bun);
            int32_t ids[24]; for (int i = 0; i < 24; i++) ids[i] = i; int32_t starts[4] = {0, 8, 16, 24};
            for (int act = 0; act < 3; act++) { ((ffn_fn) dlsym(lib, fn[ty]))(bun, bundle, ids, starts, 0, 3, x, cols, NULL, act, out + n, out + n + 3 * cols); n += 3 * cols + 24; }
            free(down); free(d8); free(g); free(bun);
        }
        free(w); free(x);
    }
    return n;
}
int main(int argc, char **argv) {
    void *a = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL), *b = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    if (!a || !b) { printf("dlopen: %s\n", dlerror()); return 2; }
    int bad = 0;
    for (int isa = 0; isa <= 4; isa++) {
        float *oa = calloc(1 << 20, 4), *ob = calloc(1 << 20, 4);
        size_t na = run(a, isa, oa), nb = run(b, isa, ob);
        if (!na) continue;
        size_t diff = 0; for (size_t i = 0; i < na; i++) diff += memcmp(&oa[i], &ob[i], 4) != 0;
        printf("isa %d: %zu outputs, %zu differ\n", isa, na, diff); bad |= diff != 0 || na != nb;
    }
    return bad;
}
