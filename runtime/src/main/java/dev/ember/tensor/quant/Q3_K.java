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
}
