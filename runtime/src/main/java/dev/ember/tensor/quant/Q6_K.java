package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q6_K: super-blocks of 256 values, 210 bytes, in 16 sub-blocks of 16; value = d * sc * (q - 32) with
 * q in 0..63 (4 low bits plus 2 high bits) and a signed 8-bit scale sc per sub-block.
 *
 * <pre>
 * offset size  field
 *      0  128  ql[128]     low nibbles
 *    128   64  qh[64]      high 2-bit pairs
 *    192   16  scales[16]  int8 sub-block scales
 *    208    2  d           fp16 super-scale
 * </pre>
 *
 * Two halves of 128 values, each with 64 bytes of ql and 32 of qh. In half h, for l in 0..31, value
 * l + 32 * k (k in 0..3) takes its low nibble from ql[64h + l] (k = 0: low, k = 2: high nibble) or
 * ql[64h + 32 + l] (k = 1: low, k = 3: high), its high bits from bits 2k..2k+1 of qh[32h + l], and
 * its scale from scales[8h + 2k + l / 16].
 */
public final class Q6_K {
    /** Values per super-block. */
    public static final int BLOCK_SIZE = 256;
    /** Bytes per super-block. */
    public static final int BLOCK_BYTES = 128 + 64 + 16 + 2;

    private Q6_K() {
    }

    /** Decodes n values (n a multiple of 256) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16.get(src, block + 208);
            for (int h = 0; h < 2; h++) {
                long ql = block + 64 * h;
                long qh = block + 128 + 32 * h;
                long sc = block + 192 + 8 * h;
                int out = dstOff + b * BLOCK_SIZE + 128 * h;
                for (int l = 0; l < 32; l++) {
                    int lo = BlockMath.u8(src, ql + l);
                    int hi = BlockMath.u8(src, ql + 32 + l);
                    int bits = BlockMath.u8(src, qh + l);
                    int s = l / 16;
                    // ggml's order: (d * sc) * q, each product rounded to float
                    dst[out + l] = d * BlockMath.s8(src, sc + s) * ((lo & 0xF | (bits & 3) << 4) - 32);
                    dst[out + l + 32] = d * BlockMath.s8(src, sc + s + 2) * ((hi & 0xF | (bits >>> 2 & 3) << 4) - 32);
                    dst[out + l + 64] = d * BlockMath.s8(src, sc + s + 4) * ((lo >>> 4 | (bits >>> 4 & 3) << 4) - 32);
                    dst[out + l + 96] = d * BlockMath.s8(src, sc + s + 6) * ((hi >>> 4 | (bits >>> 6 & 3) << 4) - 32);
                }
            }
        }
    }

    /**
     * Quantizes {@code src[srcOff..srcOff+n)} (n a multiple of 256) into super-blocks from byte
     * {@code offset} of {@code dst}, as ggml's {@code quantize_row_q6_K_ref} (no importance matrix).
     * Allocates 256 bytes of levels and 16 scales per call: a sub-block whose scale rounds to zero keeps
     * the search's levels, so they must outlive the search. This writes model files, not the decode loop.
     */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        byte[] levels = new byte[BLOCK_SIZE];
        float[] scales = new float[16];
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            quantizeBlock(src, srcOff + b * BLOCK_SIZE, dst, offset + (long) b * BLOCK_BYTES, levels, scales);
        }
    }

    private static void quantizeBlock(float[] x, int in, MemorySegment dst, long block, byte[] levels, float[] scales) {
        float maxScale = 0f;
        float maxAbsScale = 0f;
        for (int s = 0; s < 16; s++) {
            scales[s] = KQuantSearch.symmetric(16, 32, x, in + 16 * s, levels, 16 * s);
            if (Math.abs(scales[s]) > maxAbsScale) {
                maxAbsScale = Math.abs(scales[s]);
                maxScale = scales[s];
            }
        }
        if (maxAbsScale < KQuantSearch.GROUP_MAX_EPS) {
            dst.asSlice(block, BLOCK_BYTES).fill((byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        F16.put(dst, block + 208, 1f / iscale);
        for (int s = 0; s < 16; s++) {
            BlockMath.put8(dst, block + 192 + s, Math.min(127, BlockMath.nearestInt(iscale * scales[s])));
        }
        float d = F16.get(dst, block + 208);
        for (int s = 0; s < 16; s++) {
            float ds = d * BlockMath.s8(dst, block + 192 + s);
            if (ds == 0f) {
                continue; // keeps the search's levels, as ggml does
            }
            for (int l = 0; l < 16; l++) {
                int q = KQuantSearch.clamp(BlockMath.nearestInt(x[in + 16 * s + l] / ds), -32, 31);
                levels[16 * s + l] = (byte) (q + 32);
            }
        }
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int l0 = levels[128 * h + l];
                int l1 = levels[128 * h + l + 32];
                int l2 = levels[128 * h + l + 64];
                int l3 = levels[128 * h + l + 96];
                BlockMath.put8(dst, block + 64 * h + l, l0 & 0xF | (l2 & 0xF) << 4);
                BlockMath.put8(dst, block + 64 * h + 32 + l, l1 & 0xF | (l3 & 0xF) << 4);
                int high = l0 >>> 4 | (l1 >>> 4) << 2 | (l2 >>> 4) << 4 | (l3 >>> 4) << 6;
                BlockMath.put8(dst, block + 128 + 32 * h + l, high);
            }
        }
    }

    /**
     * The dot product of n values (a multiple of 256) of Q6_K weights at byte {@code wOff} of {@code w} with
     * a {@link Q8_K} activation at byte {@code aOff} of {@code a}, as ggml's
     * {@code ggml_vec_dot_q6_K_q8_K_generic}: eight integer lanes of sc * (q - 32) * qa (lane l takes the
     * values whose index is l mod 8), each scaled by d * da into its own float sum across super-blocks; the
     * eight sums are added in lane order at the end.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8_K.BLOCK_BYTES;
            float d = F16.get(w, wb + 208) * Q8_K.d(a, ab);
            s0 += d * lane(w, wb, a, ab, 0);
            s1 += d * lane(w, wb, a, ab, 1);
            s2 += d * lane(w, wb, a, ab, 2);
            s3 += d * lane(w, wb, a, ab, 3);
            s4 += d * lane(w, wb, a, ab, 4);
            s5 += d * lane(w, wb, a, ab, 5);
            s6 += d * lane(w, wb, a, ab, 6);
            s7 += d * lane(w, wb, a, ab, 7);
        }
        return 0f + s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    }

    /** @return the exact sum over values j = l mod 8 of sc * (q - 32) * qa, for one super-block */
    private static int lane(MemorySegment w, long wb, MemorySegment a, long ab, int l) {
        int sum = 0;
        for (int s = 0; s < 16; s++) { // sub-block s: values 16s .. 16s + 15, one signed scale
            int sc = BlockMath.s8(w, wb + 192 + s);
            sum += sc * (Q8_K.q(a, ab, 16 * s + l) * quant(w, wb, 16 * s + l)
                    + Q8_K.q(a, ab, 16 * s + 8 + l) * quant(w, wb, 16 * s + 8 + l));
        }
        return sum;
    }

    /** @return value j (0..255) of the super-block at {@code wb} as a signed level -32..31 */
    private static int quant(MemorySegment w, long wb, int j) {
        int h = j / 128;
        int k = j % 128 / 32;
        int i = j % 32;
        int low = BlockMath.u8(w, wb + 64 * h + 32 * (k & 1) + i);
        low = k < 2 ? low & 0xF : low >>> 4;
        int high = BlockMath.u8(w, wb + 128 + 32 * h + i) >>> 2 * k & 3;
        return (low | high << 4) - 32;
    }
}
