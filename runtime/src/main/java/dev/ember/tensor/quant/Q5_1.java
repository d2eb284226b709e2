package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q5_1: blocks of 32 values, 24 bytes, value = d * q + m with q in 0..31.
 *
 * <pre>
 * offset size  field
 *      0    2  d       fp16 scale
 *      2    2  m       fp16 minimum (the value of q = 0)
 *      4    4  qh      little-endian u32: bit j is the fifth bit of element j
 *      8   16  qs[16]  low nibbles: element j (j &lt; 16) in the low nibble of qs[j], element j + 16 in its high nibble
 * </pre>
 *
 * The reference quantizer is Q4_1's with 31 steps: d = (max - min) / 31, truncate (x - min) / d + 0.5
 * (with no clamp: the largest value lands on 31).
 */
public final class Q5_1 {
    /** Values per block. */
    public static final int BLOCK_SIZE = 32;
    /** Bytes per block. */
    public static final int BLOCK_BYTES = 2 + 2 + 4 + BLOCK_SIZE / 2;

    private Q5_1() {
    }

    /** Decodes n values (n a multiple of 32) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int out = dstOff + b * BLOCK_SIZE;
            float d = F16.get(src, block);
            float m = F16.get(src, block + 2);
            int qh = src.get(BlockMath.LE_INT, block + 4);
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int q = BlockMath.u8(src, block + 8 + j);
                int q0 = (q & 0x0F) | (qh >>> j & 1) << 4;
                int q1 = (q >>> 4) | (qh >>> (j + 16) & 1) << 4;
                dst[out + j] = q0 * d + m;
                dst[out + j + BLOCK_SIZE / 2] = q1 * d + m;
            }
        }
    }

    /** Encodes {@code src[srcOff..srcOff+n)}, n a multiple of 32, as blocks from byte {@code offset} of {@code dst}. */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int in = srcOff + b * BLOCK_SIZE;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                float v = src[in + j];
                if (v < min) {
                    min = v;
                }
                if (v > max) {
                    max = v;
                }
            }
            float d = (max - min) / 31f;
            float id = d != 0f ? 1f / d : 0f;
            F16.put(dst, block, d);
            F16.put(dst, block + 2, min);
            int qh = 0;
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                // ggml casts to uint8_t: the low 8 bits of the truncated value
                int q0 = (int) ((src[in + j] - min) * id + 0.5f) & 0xFF;
                int q1 = (int) ((src[in + j + BLOCK_SIZE / 2] - min) * id + 0.5f) & 0xFF;
                BlockMath.put8(dst, block + 8 + j, (q0 & 0x0F) | (q1 & 0x0F) << 4);
                qh |= (q0 >>> 4 & 1) << j | (q1 >>> 4 & 1) << (j + 16);
            }
            dst.set(BlockMath.LE_INT, block + 4, qh);
        }
    }

    /**
     * The dot product of n values (a multiple of 32) of Q5_1 weights at byte {@code wOff} of {@code w} with
     * a {@link Q8_1} activation at byte {@code aOff} of {@code a}, as ggml's
     * {@code ggml_vec_dot_q5_1_q8_1_generic}: per block (dw * da) * sum(qw * qa) + m * s, in float.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8_1.BLOCK_BYTES;
            int qh = w.get(BlockMath.LE_INT, wb + 4);
            int sumi0 = 0;
            int sumi1 = 0;
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int q = BlockMath.u8(w, wb + 8 + j);
                int x0 = (q & 0x0F) | (qh >>> j & 1) << 4;
                int x1 = (q >>> 4) | (qh >>> (j + 16) & 1) << 4;
                sumi0 += x0 * BlockMath.s8(a, ab + 4 + j);
                sumi1 += x1 * BlockMath.s8(a, ab + 4 + BLOCK_SIZE / 2 + j);
            }
            sum += F16.get(w, wb) * F16.get(a, ab) * (sumi0 + sumi1) + F16.get(w, wb + 2) * F16.get(a, ab + 2);
        }
        return sum;
    }
}
