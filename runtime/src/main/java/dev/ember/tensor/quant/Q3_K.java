package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Q3_K: super-blocks of 256 values, 110 bytes, in 16 sub-blocks of 16; value = d * (sc - 32) * (q - 4)
 * with q in 0..7 (2 low bits plus a high bit) and a 6-bit scale sc per sub-block.
 *
 * <pre>
 * offset size  field
 *      0   32  hmask[32]   high bit of each quant (set means q &gt;= 4)
 *     32   64  qs[64]      low 2 bits of each quant
 *     96   12  scales[12]  sixteen 6-bit scales, see below
 *    108    2  d           fp16 super-scale
 * </pre>
 *
 * Scale s: low 4 bits are the low nibble of scales[s] for s &lt; 8, the high nibble of scales[s - 8]
 * otherwise; high 2 bits are bits 2 * (s / 4) .. +1 of scales[8 + s % 4]. Quants come in two halves of
 * 128: value 32 * k + l of half h (k in 0..3, l in 0..31) has low bits 2k..2k+1 of qs[32 * h + l], high
 * bit 4 * h + k of hmask[l], and sub-block 8 * h + 2 * k + l / 16.
 */
public final class Q3_K {
    /** Values per super-block. */
    public static final int BLOCK_SIZE = 256;
    /** Bytes per super-block. */
    public static final int BLOCK_BYTES = 32 + 64 + 12 + 2;

    private Q3_K() {
    }

    /** Decodes n values (n a multiple of 256) from byte {@code offset} of {@code src} to {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = F16.get(src, block + 108);
            for (int half = 0; half < 2; half++) {
                for (int k = 0; k < 4; k++) {
                    int highBit = 1 << (4 * half + k);
                    for (int sub = 0; sub < 2; sub++) {
                        float dl = d * (scale(src, block + 96, 8 * half + 2 * k + sub) - 32);
                        int out = dstOff + b * BLOCK_SIZE + 128 * half + 32 * k + 16 * sub;
                        for (int l = 0; l < 16; l++) {
                            int i = 16 * sub + l; // the byte of qs (within the half) and of hmask
                            int low = BlockMath.u8(src, block + 32 + 32 * half + i) >>> 2 * k & 3;
                            int q = (BlockMath.u8(src, block + i) & highBit) != 0 ? low : low - 4;
                            dst[out + l] = dl * q;
                        }
                    }
                }
            }
        }
    }

    /** @return the 6-bit scale {@code s} (0..15), unsigned, of the 12 scale bytes at {@code scales} */
    static int scale(MemorySegment src, long scales, int s) {
        int low = s < 8 ? BlockMath.u8(src, scales + s) & 0xF : BlockMath.u8(src, scales + s - 8) >>> 4;
        int high = BlockMath.u8(src, scales + 8 + s % 4) >>> 2 * (s / 4) & 3;
        return low | high << 4;
    }

    /**
     * The dot product of n values (a multiple of 256) of Q3_K weights at byte {@code wOff} of {@code w} with
     * a {@link Q8_K} activation at byte {@code aOff} of {@code a}, as ggml's
     * {@code ggml_vec_dot_q3_K_q8_K_generic}: eight integer lanes (lane l takes every value whose index is
     * l mod 8, each times its sub-block's scale - 32), each scaled by dw * da into its own float sum across
     * super-blocks; the eight sums are added in lane order at the end.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        for (int b = 0; b < n / BLOCK_SIZE; b++) {
            long wb = wOff + (long) b * BLOCK_BYTES;
            long ab = aOff + (long) b * Q8_K.BLOCK_BYTES;
            float d = F16.get(w, wb + 108) * Q8_K.d(a, ab);
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

    /** @return the exact sum over values j = l mod 8 of (scale - 32) * q * qa, for one super-block */
    private static int lane(MemorySegment w, long wb, MemorySegment a, long ab, int l) {
        int sum = 0;
        for (int s = 0; s < 16; s++) { // sub-block s: values 16s .. 16s + 15, one scale
            int sc = scale(w, wb + 96, s) - 32;
            sum += sc * (Q8_K.q(a, ab, 16 * s + l) * quant(w, wb, 16 * s + l)
                    + Q8_K.q(a, ab, 16 * s + 8 + l) * quant(w, wb, 16 * s + 8 + l));
        }
        return sum;
    }

    /** @return value j (0..255) of the super-block at {@code wb} as a signed level -4..3 */
    private static int quant(MemorySegment w, long wb, int j) {
        int half = j / 128;
        int k = j % 128 / 32;
        int i = j % 32; // the byte of qs (within the half) and of hmask
        int low = BlockMath.u8(w, wb + 32 + 32 * half + i) >>> 2 * k & 3;
        return (BlockMath.u8(w, wb + i) & 1 << (4 * half + k)) != 0 ? low : low - 4;
    }
}
