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
}
