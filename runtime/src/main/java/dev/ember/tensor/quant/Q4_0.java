package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0: blocks of 32 values, 18 bytes, value = d * (q - 8) with q in 0..15.
 *
 * <pre>
 * offset size  field
 *      0    2  d       fp16 scale
 *      2   16  qs[16]  nibbles: element j (j &lt; 16) in the low nibble of qs[j], element j + 16 in its high nibble
 * </pre>
 *
 * The reference quantizer takes the value of largest magnitude, max (the first one on ties), sets
 * d = max / -8 so that max lands exactly on q = 0, and truncates x / d + 8.5 to 0..15.
 */
public final class Q4_0 {
    /** Values per block. */
    public static final int BLOCK_SIZE = 32;
    /** Bytes per block. */
    public static final int BLOCK_BYTES = 2 + BLOCK_SIZE / 2;

    private Q4_0() {
    }

    /** Decodes n values (n a multiple of 32) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int out = dstOff + b * BLOCK_SIZE;
            float d = F16.get(src, block);
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int q = BlockMath.u8(src, block + 2 + j);
                dst[out + j] = ((q & 0x0F) - 8) * d;
                dst[out + j + BLOCK_SIZE / 2] = ((q >>> 4) - 8) * d;
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
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            F16.put(dst, block, d);
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                // truncation toward zero after + 8.5: the argument is never below 0.5
                int q0 = Math.min(15, (int) (src[in + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (src[in + j + BLOCK_SIZE / 2] * id + 8.5f));
                BlockMath.put8(dst, block + 2 + j, q0 | q1 << 4);
            }
        }
    }

    /**
     * The dot product of n values (a multiple of 32) of Q4_0 weights at byte {@code wOff} of {@code w} with
     * a {@link Q8_0} activation at byte {@code aOff} of {@code a}, as ggml's
     * {@code ggml_vec_dot_q4_0_q8_0_generic}: per block the exact integer sum, times dw, times da, in float.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8_0.BLOCK_BYTES;
            int sumi0 = 0;
            int sumi1 = 0;
            for (int j = 0; j < BLOCK_SIZE / 2; j++) {
                int q = BlockMath.u8(w, wb + 2 + j);
                sumi0 += ((q & 0x0F) - 8) * BlockMath.s8(a, ab + 2 + j);
                sumi1 += ((q >>> 4) - 8) * BlockMath.s8(a, ab + 2 + BLOCK_SIZE / 2 + j);
            }
            sum += (sumi0 + sumi1) * F16.get(w, wb) * F16.get(a, ab);
        }
        return sum;
    }
}
