// Ember's kernels in portable C: the table ember_generic_kernels, which every build holds. It is the scalar C
// reference the SIMD sets are tested against (kernels-native/src/test/c/conformance.c), and the kernels of a
// platform without a SIMD file. The loops and the float arithmetic are portable_loops.h's; here are only the
// exact integer sums of a block, written as plainly as possible.

#include "ember_isa.h"

#include <stdint.h>

static int isa_runs_here(void) { return 1; }

// Q4_0 nibbles: value j (0..15) the low nibble of byte j, value 16 + j its high nibble; level = nibble - 8
static inline int32_t q4_0_block_sum(const uint8_t *qs, const int8_t *a) {
    int32_t s = 0;
    for (int j = 0; j < 16; j++) {
        s += ((qs[j] & 0x0F) - 8) * a[j] + ((qs[j] >> 4) - 8) * a[j + 16];
    }
    return s;
}

static inline int32_t q8_0_block_sum(const int8_t *qs, const int8_t *a) {
    int32_t s = 0;
    for (int j = 0; j < 32; j++) {
        s += qs[j] * a[j];
    }
    return s;
}

// Q4_K: byte 32p + l holds value 64p + l (low nibble, sub-block 2p) and 64p + 32 + l (high, sub-block 2p + 1)
static inline int32_t q4_k_superblock_sum(const uint8_t *qs, const uint8_t sc[8], const int8_t *a) {
    int32_t s = 0;
    for (int p = 0; p < 4; p++) {
        int32_t lo = 0, hi = 0;
        for (int l = 0; l < 32; l++) {
            lo += (qs[32 * p + l] & 0x0F) * a[64 * p + l];
            hi += (qs[32 * p + l] >> 4) * a[64 * p + 32 + l];
        }
        s += sc[2 * p] * lo + sc[2 * p + 1] * hi;
    }
    return s;
}

// Q6_K: value j = 128h + 32k + i has its low 4 bits in ql[64h + 32(k & 1) + i] (low nibble for k < 2, else
// high), its high 2 bits in qh[32h + i] >> 2k; level = that - 32, scale sc[j / 16]
static inline int32_t q6_k_superblock_sum(const uint8_t *wb, const int8_t *a) {
    const uint8_t *ql = wb;
    const uint8_t *qh = wb + 128;
    const int8_t *sc = (const int8_t *) (wb + 192);
    int32_t s = 0;
    for (int h = 0; h < 2; h++) {
        for (int k = 0; k < 4; k++) {
            for (int half = 0; half < 2; half++) {
                int32_t g = 0;
                for (int i = 16 * half; i < 16 * half + 16; i++) {
                    const int byte = ql[64 * h + 32 * (k & 1) + i];
                    const int low = k < 2 ? byte & 0x0F : byte >> 4;
                    const int q = low | ((qh[32 * h + i] >> (2 * k)) & 3) << 4;
                    g += (q - 32) * a[128 * h + 32 * k + i];
                }
                s += sc[8 * h + 2 * k + half] * g;
            }
        }
    }
    return s;
}

// x8 (ember_repack_q4_0_x8): bytes 32m + 4k .. 32m + 4k + 3 are bytes 4m .. 4m + 3 of row k's nibbles
static inline void q4_0_x8_sums(const uint8_t *vals, const int8_t *a, int32_t s[8]) {
    for (int k = 0; k < 8; k++) {
        int32_t sum = 0;
        for (int m = 0; m < 4; m++) {
            for (int j = 0; j < 4; j++) {
                const uint8_t byte = vals[32 * m + 4 * k + j];
                sum += (byte & 0x0F) * a[4 * m + j] + (byte >> 4) * a[16 + 4 * m + j];
            }
        }
        s[k] = sum;
    }
}

// Q4_K x8 (ember_repack_q4_k_x8): row k's bytes 32p + 4m .. + 3 at 160 + 32(8p + m) + 4k, their low nibbles
// in sub-block 2p (values 64p + l), high in 2p + 1; sub-block s's scale of row k at 32 + 8s + k
static inline void q4_k_x8_sums(const uint8_t *o, const int8_t *a, int32_t s[8]) {
    for (int k = 0; k < 8; k++) {
        int32_t sum = 0;
        for (int sb = 0; sb < 8; sb++) {
            const int p = sb / 2;
            int32_t part = 0;
            for (int l = 0; l < 32; l++) {
                const uint8_t byte = o[160 + 32 * (8 * p + l / 4) + 4 * k + l % 4];
                part += ((sb & 1) ? byte >> 4 : byte & 0x0F) * a[32 * sb + l];
            }
            sum += o[32 + 8 * sb + k] * part;
        }
        s[k] = sum;
    }
}

// r8b: the same interleave over a row's eight blocks; act interleaved alike (low nibbles' values in bytes 0..127,
// high nibbles' in 128..255)
static inline void q4_0_r8b_sums(const uint8_t *vals, const int8_t *act, int32_t s[8]) {
    for (int k = 0; k < 8; k++) {
        int32_t sum = 0;
        for (int m = 0; m < 4; m++) {
            for (int j = 0; j < 4; j++) {
                const int at = 32 * m + 4 * k + j;
                sum += (vals[at] & 0x0F) * act[at] + (vals[at] >> 4) * act[128 + at];
            }
        }
        s[k] = sum;
    }
}

static inline void window_sums(const uint8_t *const v[8], const int32_t k[8], int q8, int32_t acc[32]) {
    for (int j = 0; j < 32; j++) {
        int32_t sum = 0;
        for (int n = 0; n < 8; n++) {
            const int level = q8 ? ((const int8_t *) v[n])[j] : j < 16 ? v[n][j] & 0x0F : v[n][j - 16] >> 4;
            sum += level * k[n];
        }
        acc[j] = sum;
    }
}

#define ISA_KERNELS ember_generic_kernels
#define ISA EMBER_GENERIC
#include "portable_loops.h"
