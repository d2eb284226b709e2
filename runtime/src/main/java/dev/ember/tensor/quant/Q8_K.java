package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q8_K: super-blocks of 256 values, 292 bytes, value = d * q. The activation format that K-quant
 * weights are dotted with; ggml never stores it in files.
 *
 * <pre>
 * offset size  field
 *      0    4  d          float32 scale (not half: activations need the precision)
 *      4  256  qs[256]    int8 quants
 *    260   32  bsums[16]  little-endian int16: the sum of qs[16g .. 16g + 15], for the K-quants' min terms
 * </pre>
 *
 * The reference quantizer maps the value of largest magnitude, max, to -127: iscale = -127 / max,
 * q = nearest_int(iscale * x) (half to even), d = 1 / iscale.
 */
public final class Q8_K {
    /** Values per super-block. */
    public static final int BLOCK_SIZE = 256;
    /** Bytes per super-block. */
    public static final int BLOCK_BYTES = 4 + BLOCK_SIZE + 2 * (BLOCK_SIZE / 16);

    private Q8_K() {
    }

    /** Decodes n values (n a multiple of 256) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = src.get(BlockMath.LE_FLOAT, block);
            for (int j = 0; j < BLOCK_SIZE; j++) {
                dst[dstOff + b * BLOCK_SIZE + j] = d * BlockMath.s8(src, block + 4 + j);
            }
        }
    }

    /** Encodes {@code src[srcOff..srcOff+n)}, n a multiple of 256, as blocks from byte {@code offset} of dst. */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int in = srcOff + b * BLOCK_SIZE;
            float max = 0f;
            float amax = 0f;
            for (int j = 0; j < BLOCK_SIZE; j++) {
                float ax = Math.abs(src[in + j]);
                if (ax > amax) {
                    amax = ax;
                    max = src[in + j];
                }
            }
            if (amax == 0f) {
                // ggml leaves bsums untouched here; zeros are their true value
                dst.asSlice(block, BLOCK_BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -127f / max;
            for (int g = 0; g < BLOCK_SIZE / 16; g++) {
                int sum = 0;
                for (int j = 16 * g; j < 16 * g + 16; j++) {
                    int q = Math.min(127, BlockMath.nearestInt(iscale * src[in + j]));
                    BlockMath.put8(dst, block + 4 + j, q);
                    sum += q;
                }
                dst.set(BlockMath.LE_SHORT, block + 4 + BLOCK_SIZE + 2L * g, (short) sum);
            }
            dst.set(BlockMath.LE_FLOAT, block, 1f / iscale);
        }
    }

    /** @return the float32 scale d of the super-block at byte {@code block} */
    static float d(MemorySegment src, long block) {
        return src.get(BlockMath.LE_FLOAT, block);
    }

    /** @return quant {@code j} (0..255) of the super-block at byte {@code block} */
    static int q(MemorySegment src, long block, int j) {
        return BlockMath.s8(src, block + 4 + j);
    }

    /** @return bsums[g]: the sum of quants 16g .. 16g + 15 of the super-block at byte {@code block} */
    static int bsum(MemorySegment src, long block, int g) {
        return src.get(BlockMath.LE_SHORT, block + 4 + BLOCK_SIZE + 2L * g);
    }
}
