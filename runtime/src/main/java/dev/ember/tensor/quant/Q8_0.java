package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0: blocks of 32 values, 34 bytes, value = d * q.
 *
 * <pre>
 * offset size  field
 *      0    2  d       fp16 scale
 *      2   32  qs[32]  int8 quants, element j in qs[j]
 * </pre>
 *
 * The reference quantizer sets d = amax / 127 and q = roundf(x / d) (half away from zero), using the
 * float d for the division and storing it rounded to half. Q8_0 is also the activation format that
 * Q4_0, Q5_0 and Q8_0 weights are dotted with.
 */
public final class Q8_0 {
    /** Values per block. */
    public static final int BLOCK_SIZE = 32;
    /** Bytes per block. */
    public static final int BLOCK_BYTES = 2 + BLOCK_SIZE;

    private Q8_0() {
    }

    /** Decodes n values (n a multiple of 32) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int out = dstOff + b * BLOCK_SIZE;
            float d = F16.get(src, block);
            for (int j = 0; j < BLOCK_SIZE; j++) {
                dst[out + j] = BlockMath.s8(src, block + 2 + j) * d;
            }
        }
    }

    /** Encodes {@code src[srcOff..srcOff+n)}, n a multiple of 32, as blocks from byte {@code offset} of {@code dst}. */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int in = srcOff + b * BLOCK_SIZE;
            float amax = 0f;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                amax = Math.max(amax, Math.abs(src[in + j]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            F16.put(dst, block, d);
            for (int j = 0; j < BLOCK_SIZE; j++) {
                BlockMath.put8(dst, block + 2 + j, BlockMath.roundHalfAway(src[in + j] * id));
            }
        }
    }

    /**
     * The dot product of n values (a multiple of 32) of Q8_0 weights at byte {@code wOff} of {@code w} with
     * a Q8_0 activation at byte {@code aOff} of {@code a}, as ggml's {@code ggml_vec_dot_q8_0_q8_0_generic}:
     * per block the exact integer sum, times (dw * da), accumulated in float.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * BLOCK_BYTES;
            int sumi = 0;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                sumi += BlockMath.s8(w, wb + 2 + j) * BlockMath.s8(a, ab + 2 + j);
            }
            sum += sumi * (F16.get(w, wb) * F16.get(a, ab));
        }
        return sum;
    }

    /**
     * Converts an activation row as llama.cpp's CPU backend does before a dot product (its x86 AVX/AVX2
     * {@code quantize_row_q8_0}, the {@code from_float} of Q8_0 in {@code type_traits_cpu}): d = amax / 127
     * stored as half, like {@link #quantizeRow}, but q = x * (127 / amax) rounded half to even. The bytes
     * differ from the reference quantizer's only where a value lands on (or within an ulp of) a .5.
     */
    public static void quantizeActivation(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int in = srcOff + b * BLOCK_SIZE;
            float amax = 0f;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                amax = Math.max(amax, Math.abs(src[in + j]));
            }
            F16.put(dst, block, amax / 127f);
            float id = amax != 0f ? 127f / amax : 0f;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                BlockMath.put8(dst, block + 2 + j, (int) Math.rint(src[in + j] * id));
            }
        }
    }
}
