package dev.ember.kernels.simd;

import dev.ember.tensor.quant.F16;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_1 weights times Q8_1 activations, as {@code Q4_1.dot}: per block {@code dw * da * sumi + m * s} in
 * float, blocks added in order (bit for bit the scalar dot). Block layout: {@code d, m} (fp16),
 * {@code qs[16]} (value j low nibble of byte j, value j + 16 its high nibble); Q8_1: {@code d, s} (fp16),
 * {@code qs[32]}.
 */
final class Q4_1Dot {
    private static final int BLOCK = 32;
    private static final int BYTES = 20;
    private static final int ACT_BYTES = 36;

    private Q4_1Dot() {
    }

    /** The {@link dev.ember.tensor.quant.RowDot} of Q4_1 weights. */
    static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long wb = wOff + (long) b * BYTES;
            long ab = aOff + (long) b * ACT_BYTES;
            int sumi = blockSum(w, wb + 4, a, ab + 4);
            sum += F16.get(w, wb) * F16.get(a, ab) * sumi + F16.get(w, wb + 2) * F16.get(a, ab + 2);
        }
        return sum;
    }

    /** The exact integer dot of one block's 32 unsigned nibbles with 32 int8 activations. */
    static int blockSum(MemorySegment w, long wq, MemorySegment a, long aq) {
        // per lane at most 4 products of 15 * 127: a short holds them; the block's total needs ints
        ShortVector acc = ShortVector.zero(Blocks.S);
        for (int j = 0; j < BLOCK / 2; j += Blocks.SL) {
            ShortVector q = Blocks.bytes(w, wq + j);
            ShortVector lo = q.and((short) 0x0F);
            ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F);
            acc = acc.add(lo.mul(Blocks.bytes(a, aq + j))).add(hi.mul(Blocks.bytes(a, aq + BLOCK / 2 + j)));
        }
        return Blocks.sum(acc);
    }
}
