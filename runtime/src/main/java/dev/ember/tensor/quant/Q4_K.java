package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K: super-blocks of 256 values, 144 bytes, in 8 sub-blocks of 32; value = d * sc * q - dmin * m
 * with q in 0..15 and a 6-bit scale sc and 6-bit min m per sub-block.
 *
 * <pre>
 * offset size  field
 *      0    2  d           fp16 super-scale of the scales
 *      2    2  dmin        fp16 super-scale of the mins
 *      4   12  scales[12]  eight 6-bit scales and eight 6-bit mins, see {@link #scale} and {@link #min}
 *     16  128  qs[128]     4-bit quants: value 64 * p + l (p in 0..3, l in 0..31) is the low nibble of
 *                          qs[32 * p + l], value 64 * p + 32 + l its high nibble
 * </pre>
 *
 * Sub-block s covers values 32 * s .. 32 * s + 31. The reference quantizer fits each sub-block with
 * {@link KQuantSearch#withMin} (weights sqrt(mean x^2) + |x|), quantizes the scales and mins to 6 bits
 * against the largest of each, then re-rounds every value against the stored scales.
 */
public final class Q4_K {
    /** Values per super-block. */
    public static final int BLOCK_SIZE = 256;
    /** Bytes per super-block. */
    public static final int BLOCK_BYTES = 2 + 2 + 12 + 128;

    private Q4_K() {
    }

    /** Decodes n values (n a multiple of 256) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16.get(src, block);
            float dmin = F16.get(src, block + 2);
            for (int p = 0; p < 4; p++) {
                // ggml forms d * sc and dmin * m first, then d1 * q - m1
                float d1 = d * scale(src, block + 4, 2 * p);
                float m1 = dmin * min(src, block + 4, 2 * p);
                float d2 = d * scale(src, block + 4, 2 * p + 1);
                float m2 = dmin * min(src, block + 4, 2 * p + 1);
                int out = dstOff + b * BLOCK_SIZE + 64 * p;
                for (int l = 0; l < 32; l++) {
                    int q = BlockMath.u8(src, block + 16 + 32 * p + l);
                    dst[out + l] = d1 * (q & 0xF) - m1;
                    dst[out + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }

    /**
     * @return the 6-bit scale of sub-block {@code s} (0..7) of the 12 bytes at {@code scales}: bytes 0..3
     *     hold scales 0..3 in their low 6 bits; scales 4..7 take the low nibble of bytes 8..11 and the top
     *     2 bits of bytes 0..3
     */
    static int scale(MemorySegment src, long scales, int s) {
        if (s < 4) {
            return BlockMath.u8(src, scales + s) & 63;
        }
        return BlockMath.u8(src, scales + s + 4) & 0xF | (BlockMath.u8(src, scales + s - 4) >>> 6) << 4;
    }

    /**
     * @return the 6-bit min of sub-block {@code s} (0..7): bytes 4..7 hold mins 0..3 in their low 6 bits;
     *     mins 4..7 take the high nibble of bytes 8..11 and the top 2 bits of bytes 4..7
     */
    static int min(MemorySegment src, long scales, int s) {
        if (s < 4) {
            return BlockMath.u8(src, scales + s + 4) & 63;
        }
        return BlockMath.u8(src, scales + s + 4) >>> 4 | (BlockMath.u8(src, scales + s) >>> 6) << 4;
    }

    /**
     * Quantizes {@code src[srcOff..srcOff+n)} (n a multiple of 256) into super-blocks from byte
     * {@code offset} of {@code dst}, as ggml's {@code quantize_row_q4_K_ref} (no importance matrix).
     * Allocates about 500 bytes of scratch per call: the search keeps a super-block's levels, scales and
     * mins between passes. This writes model files; it is not on the inference path.
     */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        byte[] levels = new byte[BLOCK_SIZE];
        byte[] aux = new byte[32];
        float[] weights = new float[32];
        float[] scales = new float[8];
        float[] mins = new float[8];
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            quantizeBlock(src, srcOff + b * BLOCK_SIZE, dst, offset + (long) b * BLOCK_BYTES,
                    levels, aux, weights, scales, mins);
        }
    }

    private static void quantizeBlock(float[] x, int in, MemorySegment dst, long block,
                                      byte[] levels, byte[] aux, float[] weights, float[] scales, float[] mins) {
        float maxScale = 0f;
        float maxMin = 0f;
        for (int s = 0; s < 8; s++) {
            float sumX2 = 0f;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[in + 32 * s + l] * x[in + 32 * s + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[in + 32 * s + l]);
            }
            scales[s] = KQuantSearch.withMin(32, 15, x, in + 32 * s, weights, levels, 32 * s, mins, s, aux,
                    -1f, 0.1f, 20);
            if (scales[s] > maxScale) {
                maxScale = scales[s];
            }
            if (mins[s] > maxMin) {
                maxMin = mins[s];
            }
        }
        packScalesAndMins(dst, block, scales, mins, maxScale, maxMin);
        float d = F16.get(dst, block);
        float dmin = F16.get(dst, block + 2);
        for (int s = 0; s < 8; s++) {
            float ds = d * scale(dst, block + 4, s);
            if (ds == 0f) {
                continue; // keeps the search's levels, as ggml does
            }
            float dm = dmin * min(dst, block + 4, s);
            for (int l = 0; l < 32; l++) {
                int q = BlockMath.nearestInt((x[in + 32 * s + l] + dm) / ds);
                levels[32 * s + l] = (byte) KQuantSearch.clamp(q, 0, 15);
            }
        }
        for (int p = 0; p < 4; p++) {
            for (int l = 0; l < 32; l++) {
                BlockMath.put8(dst, block + 16 + 32 * p + l, levels[64 * p + l] | levels[64 * p + 32 + l] << 4);
            }
        }
    }

    /** Rounds scales and mins to 6 bits against their maxima and stores them with d and dmin. */
    static void packScalesAndMins(MemorySegment dst, long block, float[] scales, float[] mins,
                                  float maxScale, float maxMin) {
        float invScale = maxScale > 0f ? 63f / maxScale : 0f;
        float invMin = maxMin > 0f ? 63f / maxMin : 0f;
        long sc = block + 4;
        for (int s = 0; s < 8; s++) {
            // ggml stores nearest_int into a uint8_t before clamping: keep the low 8 bits first
            int ls = Math.min(63, BlockMath.nearestInt(invScale * scales[s]) & 0xFF);
            int lm = Math.min(63, BlockMath.nearestInt(invMin * mins[s]) & 0xFF);
            if (s < 4) {
                BlockMath.put8(dst, sc + s, ls);
                BlockMath.put8(dst, sc + s + 4, lm);
            } else {
                BlockMath.put8(dst, sc + s + 4, ls & 0xF | (lm & 0xF) << 4);
                BlockMath.put8(dst, sc + s - 4, BlockMath.u8(dst, sc + s - 4) | (ls >>> 4) << 6);
                BlockMath.put8(dst, sc + s, BlockMath.u8(dst, sc + s) | (lm >>> 4) << 6);
            }
        }
        F16.put(dst, block, maxScale / 63f);
        F16.put(dst, block + 2, maxMin / 63f);
    }

    /**
     * The dot product of n values (a multiple of 256) of Q4_K weights at byte {@code wOff} of {@code w} with
     * a {@link Q8_K} activation at byte {@code aOff} of {@code a}, as ggml's
     * {@code ggml_vec_dot_q4_K_q8_K_generic}: eight integer lanes of scale * q * qa (lane l takes the values
     * whose index is l mod 8), each scaled by d * da into its own float sum across super-blocks; the mins'
     * share, dmin * da * sum(bsum * m), is subtracted from a separate float sum per super-block; the eight
     * lane sums are added to it in lane order at the end.
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
            sum -= dmin * minSum(w, wb, a, ab);
        }
        return sum + s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    }

    /** @return the exact sum over values j = l mod 8 of scale * q * qa, for one super-block */
    private static int lane(MemorySegment w, long wb, MemorySegment a, long ab, int l) {
        int sum = 0;
        for (int s = 0; s < 8; s++) { // sub-block s: values 32s .. 32s + 31, one scale
            int sc = scale(w, wb + 4, s);
            for (int j = 32 * s + l; j < 32 * s + 32; j += 8) {
                int q = BlockMath.u8(w, wb + 16 + 32 * (j / 64) + j % 32);
                q = j % 64 < 32 ? q & 0xF : q >>> 4;
                sum += sc * (Q8_K.q(a, ab, j) * q);
            }
        }
        return sum;
    }

    /** @return sum over the 16 groups of 16 activation values of bsum * (the group's sub-block min) */
    static int minSum(MemorySegment w, long wb, MemorySegment a, long ab) {
        int sum = 0;
        for (int g = 0; g < 16; g++) {
            sum += Q8_K.bsum(a, ab, g) * min(w, wb + 4, g / 2);
        }
        return sum;
    }
}
