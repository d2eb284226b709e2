package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q8_1: blocks of 32 values, 36 bytes, value = d * q, plus s = d * sum(q). The activation format that
 * Q4_1 and Q5_1 weights are dotted with: their blocks carry a minimum m, and m * s is that minimum's share
 * of the dot product, precomputed once per activation block instead of once per weight row.
 *
 * <pre>
 * offset size  field
 *      0    2  d       fp16 scale
 *      2    2  s       fp16 d * sum(qs), with the float d (before its rounding to half)
 *      4   32  qs[32]  int8 quants, element j in qs[j]
 * </pre>
 *
 * The reference quantizer ({@code quantize_row_q8_1_ref}) is Q8_0's: d = amax / 127, q = roundf(x / d)
 * (half away from zero) using the float d; then s = half(sum(q) * d).
 */
public final class Q8_1 {
    /** Values per block. */
    public static final int BLOCK_SIZE = 32;
    /** Bytes per block. */
    public static final int BLOCK_BYTES = 2 + 2 + BLOCK_SIZE;

    private Q8_1() {
    }

    /** Decodes n values (n a multiple of 32) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int out = dstOff + b * BLOCK_SIZE;
            float d = F16.get(src, block);
            for (int j = 0; j < BLOCK_SIZE; j++) {
                dst[out + j] = BlockMath.s8(src, block + 4 + j) * d;
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
            int sum = 0;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                int q = BlockMath.roundHalfAway(src[in + j] * id);
                BlockMath.put8(dst, block + 4 + j, q);
                sum += q;
            }
            F16.put(dst, block + 2, sum * d);
        }
    }

    /**
     * Converts an activation row as llama.cpp's CPU backend does before a Q4_1/Q5_1 dot product (its x86
     * AVX/AVX2 {@code quantize_row_q8_1}): {@link Q8_0#quantizeActivation}'s d and round-half-to-even quants,
     * and s = half(d * sum(q)) as in {@link #quantizeRow}.
     */
    public static void quantizeActivation(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int in = srcOff + b * BLOCK_SIZE;
            float amax = 0f;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                amax = Math.max(amax, Math.abs(src[in + j]));
            }
            float d = amax / 127f;
            float id = amax != 0f ? 127f / amax : 0f;
            F16.put(dst, block, d);
            int sum = 0;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                int q = (int) Math.rint(src[in + j] * id);
                BlockMath.put8(dst, block + 4 + j, q);
                sum += q;
            }
            F16.put(dst, block + 2, d * sum);
        }
    }
}
