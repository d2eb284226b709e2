package dev.ember.kernels.simd;

import dev.ember.tensor.quant.F16;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0 weights times Q8_0 activations, as {@code Q4_0.dot}: per block the exact integer sum, times dw,
 * times da, in float, blocks added in order (bit for bit the scalar dot). Block layout: {@code d} (fp16),
 * {@code qs[16]}: value j is the low nibble of byte j, value j + 16 its high nibble, both minus 8.
 */
final class Q4_0Dot {
    private static final int BLOCK = 32;
    private static final int BYTES = 18;
    private static final int ACT_BYTES = 34;

    private Q4_0Dot() {
    }

    /** The {@link dev.ember.tensor.quant.RowDot} of Q4_0 weights. */
    static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long wb = wOff + (long) b * BYTES;
            long ab = aOff + (long) b * ACT_BYTES;
            sum += blockSum(w, wb + 2, a, ab + 2) * F16.get(w, wb) * F16.get(a, ab);
        }
        return sum;
    }

    /** The exact integer dot of one block's 32 nibbles (minus 8) with 32 int8 activations. */
    static int blockSum(MemorySegment w, long wq, MemorySegment a, long aq) {
        // |q - 8| <= 8 and |a| <= 127 (a Q8_0 activation): 32 products sum to at most 32512, a short, so the
        // whole block sums in short lanes and one short reduction is exact
        ShortVector acc = ShortVector.zero(Blocks.S);
        for (int j = 0; j < BLOCK / 2; j += Blocks.SL) {
            ShortVector q = Blocks.bytes(w, wq + j);
            ShortVector lo = q.and((short) 0x0F).sub((short) 8);
            ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F).sub((short) 8);
            acc = acc.add(lo.mul(Blocks.bytes(a, aq + j))).add(hi.mul(Blocks.bytes(a, aq + BLOCK / 2 + j)));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
