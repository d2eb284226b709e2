package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q5_0: blocks of 32 values, 22 bytes, value = d * (q - 16) with q in 0..31.
 *
 * <pre>
 * offset size  field
 *      0    2  d       fp16 scale
 *      2    4  qh      little-endian u32: bit j is the fifth bit of element j
 *      6   16  qs[16]  low nibbles: element j (j &lt; 16) in the low nibble of qs[j], element j + 16 in its high nibble
 * </pre>
 *
 * The reference quantizer is Q4_0's with 16 levels each side: d = max / -16, truncate x / d + 16.5.
 */
public final class Q5_0 {
    /** Values per block. */
    public static final int BLOCK_SIZE = 32;
    /** Bytes per block. */
    public static final int BLOCK_BYTES = 2 + 4 + BLOCK_SIZE / 2;

    private Q5_0() {
    }

    /** Decodes n values (n a multiple of 32) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int out = dstOff + b * BLOCK_SIZE;
            float d = F16.get(src, block);
            int qh = src.get(BlockMath.LE_INT, block + 2);
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int q = BlockMath.u8(src, block + 6 + j);
                int q0 = (q & 0x0F) | (qh >>> j & 1) << 4;
                int q1 = (q >>> 4) | (qh >>> (j + 16) & 1) << 4;
                dst[out + j] = (q0 - 16) * d;
                dst[out + j + BLOCK_SIZE / 2] = (q1 - 16) * d;
            }
        }
    }

    /** Encodes {@code src[srcOff..srcOff+n)}, n a multiple of 32, as blocks from byte {@code offset} of {@code dst}. */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int in = srcOff + b * BLOCK_SIZE;
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                float v = src[in + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -16f;
            float id = d != 0f ? 1f / d : 0f;
            F16.put(dst, block, d);
            int qh = 0;
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int q0 = Math.min(31, (int) (src[in + j] * id + 16.5f));
                int q1 = Math.min(31, (int) (src[in + j + BLOCK_SIZE / 2] * id + 16.5f));
                BlockMath.put8(dst, block + 6 + j, (q0 & 0x0F) | (q1 & 0x0F) << 4);
                qh |= (q0 >>> 4 & 1) << j | (q1 >>> 4 & 1) << (j + 16);
            }
            dst.set(BlockMath.LE_INT, block + 2, qh);
        }
    }

    /**
     * The dot product of n values (a multiple of 32) of Q5_0 weights at byte {@code wOff} of {@code w} with
     * a {@link Q8_0} activation at byte {@code aOff} of {@code a}, as ggml's
     * {@code ggml_vec_dot_q5_0_q8_0_generic}: per block (dw * da) * (exact integer sum), in float.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8_0.BLOCK_BYTES;
            int qh = w.get(BlockMath.LE_INT, wb + 2);
            int sumi0 = 0;
            int sumi1 = 0;
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int q = BlockMath.u8(w, wb + 6 + j);
                int x0 = ((q & 0x0F) | (qh >>> j & 1) << 4) - 16;
                int x1 = ((q >>> 4) | (qh >>> (j + 16) & 1) << 4) - 16;
                sumi0 += x0 * BlockMath.s8(a, ab + 2 + j);
                sumi1 += x1 * BlockMath.s8(a, ab + 2 + BLOCK_SIZE / 2 + j);
            }
            sum += F16.get(w, wb) * F16.get(a, ab) * (sumi0 + sumi1);
        }
        return sum;
    }
}
