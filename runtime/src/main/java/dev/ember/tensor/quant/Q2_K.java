package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q2_K: super-blocks of 256 values, 84 bytes, in 16 sub-blocks of 16; value = d * sc * q - dmin * m
 * with q in 0..3 and a 4-bit scale sc and 4-bit min m per sub-block.
 *
 * <pre>
 * offset size  field
 *      0   16  scales[16]  sub-block s: sc = scales[s] &amp; 0xF, m = scales[s] &gt;&gt; 4
 *     16   64  qs[64]      2-bit quants, see below
 *     80    2  d           fp16 super-scale of the scales
 *     82    2  dmin        fp16 super-scale of the mins
 * </pre>
 *
 * Quants come in two halves of 128 values, each using 32 bytes of qs: within a half, value
 * 32 * k + l (k in 0..3, l in 0..31) is bits 2k..2k+1 of byte l, and belongs to sub-block
 * 8 * half + 2 * k + l / 16.
 */
public final class Q2_K {
    /** Values per super-block. */
    public static final int BLOCK_SIZE = 256;
    /** Bytes per super-block. */
    public static final int BLOCK_BYTES = 16 + 64 + 2 + 2;

    private Q2_K() {
    }

    /** Decodes n values (n a multiple of 256) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16.get(src, block + 80);
            float dmin = F16.get(src, block + 82);
            for (int half = 0; half < 2; half++) {
                for (int k = 0; k < 4; k++) {
                    for (int sub = 0; sub < 2; sub++) {
                        int sc = BlockMath.u8(src, block + 8 * half + 2 * k + sub);
                        // ggml forms the products d * sc and dmin * m first, then dl * q - ml
                        float dl = d * (sc & 0xF);
                        float ml = dmin * (sc >>> 4);
                        int out = dstOff + b * BLOCK_SIZE + 128 * half + 32 * k + 16 * sub;
                        for (int l = 0; l < 16; l++) {
                            int q = BlockMath.u8(src, block + 16 + 32 * half + 16 * sub + l) >>> 2 * k & 3;
                            dst[out + l] = dl * q - ml;
                        }
                    }
                }
            }
        }
    }

    /**
     * The dot product of n values (a multiple of 256) of Q2_K weights at byte {@code wOff} of {@code w} with
     * a {@link Q8_K} activation at byte {@code aOff} of {@code a}, as ggml's
     * {@code ggml_vec_dot_q2_K_q8_K_generic}: per super-block the exact integer sums of sc * q * qa and of
     * m * bsum, then {@code dall * isum - dmin * summs} with dall = da * d and dmin = da * dmin, in float.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8_K.BLOCK_BYTES;
            int summs = 0;
            for (int s = 0; s < 16; s++) {
                summs += Q8_K.bsum(a, ab, s) * (BlockMath.u8(w, wb + s) >>> 4);
            }
            float da = Q8_K.d(a, ab);
            float dall = da * F16.get(w, wb + 80);
            float dmin = da * F16.get(w, wb + 82);
            int isum = 0;
            for (int half = 0; half < 2; half++) {
                for (int k = 0; k < 4; k++) {
                    for (int sub = 0; sub < 2; sub++) {
                        int sc = BlockMath.u8(w, wb + 8 * half + 2 * k + sub) & 0xF;
                        int isuml = 0;
                        for (int l = 0; l < 16; l++) {
                            int q = BlockMath.u8(w, wb + 16 + 32 * half + 16 * sub + l) >>> 2 * k & 3;
                            isuml += Q8_K.q(a, ab, 128 * half + 32 * k + 16 * sub + l) * q;
                        }
                        isum += sc * isuml;
                    }
                }
            }
            sum += dall * isum - dmin * summs;
        }
        return sum;
    }
}
