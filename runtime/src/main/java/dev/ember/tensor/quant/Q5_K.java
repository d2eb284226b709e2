package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q5_K: super-blocks of 256 values, 176 bytes, in 8 sub-blocks of 32; value = d * sc * q - dmin * m
 * with q in 0..31 (4 low bits plus a high bit) and Q4_K's 6-bit scales and mins.
 *
 * <pre>
 * offset size  field
 *      0    2  d           fp16 super-scale of the scales
 *      2    2  dmin        fp16 super-scale of the mins
 *      4   12  scales[12]  packed as in Q4_K ({@link Q4_K#scale}, {@link Q4_K#min})
 *     16   32  qh[32]      high bits: value 64 * p + l has bit 2p of qh[l], value 64 * p + 32 + l bit 2p + 1
 *     48  128  qs[128]     low nibbles, laid out as Q4_K's quants
 * </pre>
 */
public final class Q5_K {
    /** Values per super-block. */
    public static final int BLOCK_SIZE = 256;
    /** Bytes per super-block. */
    public static final int BLOCK_BYTES = 2 + 2 + 12 + 32 + 128;

    private Q5_K() {
    }

    /** Decodes n values (n a multiple of 256) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16.get(src, block);
            float dmin = F16.get(src, block + 2);
            for (int p = 0; p < 4; p++) {
                float d1 = d * Q4_K.scale(src, block + 4, 2 * p);
                float m1 = dmin * Q4_K.min(src, block + 4, 2 * p);
                float d2 = d * Q4_K.scale(src, block + 4, 2 * p + 1);
                float m2 = dmin * Q4_K.min(src, block + 4, 2 * p + 1);
                int out = dstOff + b * BLOCK_SIZE + 64 * p;
                for (int l = 0; l < 32; l++) {
                    int q = BlockMath.u8(src, block + 48 + 32 * p + l);
                    int h = BlockMath.u8(src, block + 16 + l) >>> 2 * p;
                    dst[out + l] = d1 * ((q & 0xF) + ((h & 1) << 4)) - m1;
                    dst[out + 32 + l] = d2 * ((q >>> 4) + ((h & 2) << 3)) - m2;
                }
            }
        }
    }

    /**
     * The dot product of n values (a multiple of 256) of Q5_K weights at byte {@code wOff} of {@code w} with
     * a {@link Q8_K} activation at byte {@code aOff} of {@code a}, as ggml's
     * {@code ggml_vec_dot_q5_K_q8_K_generic}: {@link Q4_K#dot}'s lanes and mins with 5-bit quants.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8_K.BLOCK_BYTES;
            float da = Q8_K.d(a, ab);
            float d = F16.get(w, wb) * da;
            s0 += d * lane(w, wb, a, ab, 0);
            s1 += d * lane(w, wb, a, ab, 1);
            s2 += d * lane(w, wb, a, ab, 2);
            s3 += d * lane(w, wb, a, ab, 3);
            s4 += d * lane(w, wb, a, ab, 4);
            s5 += d * lane(w, wb, a, ab, 5);
            s6 += d * lane(w, wb, a, ab, 6);
            s7 += d * lane(w, wb, a, ab, 7);
            float dmin = F16.get(w, wb + 2) * da;
            sum -= dmin * Q4_K.minSum(w, wb, a, ab);
        }
        return sum + s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    }

    /** @return the exact sum over values j = l mod 8 of scale * q * qa, for one super-block */
    private static int lane(MemorySegment w, long wb, MemorySegment a, long ab, int l) {
        int sum = 0;
        for (int s = 0; s < 8; s++) { // sub-block s: values 32s .. 32s + 31, one scale
            int sc = Q4_K.scale(w, wb + 4, s);
            for (int j = 32 * s + l; j < 32 * s + 32; j += 8) {
                int p = j / 64;
                int i = j % 32;
                int q = BlockMath.u8(w, wb + 48 + 32 * p + i);
                int high = BlockMath.u8(w, wb + 16 + i) >>> 2 * p;
                q = j % 64 < 32 ? (q & 0xF) | (high & 1) << 4 : (q >>> 4) | (high & 2) << 3;
                sum += sc * (Q8_K.q(a, ab, j) * q);
            }
        }
        return sum;
    }
}
