package dev.ember.kernels.simd;

import dev.ember.tensor.quant.F16;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0 weights times Q8_0 activations, as {@code Q8_0.dot}: per block the exact integer sum of the 32
 * byte products, times {@code (dw * da)} in float, blocks added in order, so the result is the scalar
 * dot's bit for bit. Block layout: {@code d} (fp16), {@code qs[32]} (int8).
 */
final class Q8_0Dot {
    private static final int BLOCK = 32;
    private static final int BYTES = 34;

    private Q8_0Dot() {
    }

    /** The {@link dev.ember.tensor.quant.RowDot} of Q8_0 weights. */
    static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long wb = wOff + (long) b * BYTES;
            long ab = aOff + (long) b * BYTES;
            sum += blockSum(w, wb + 2, a, ab + 2) * (F16.get(w, wb) * F16.get(a, ab));
        }
        return sum;
    }

    /** The exact integer dot of 32 int8 weights with 32 int8 activations. */
    static int blockSum(MemorySegment w, long wq, MemorySegment a, long aq) {
        // products of two int8 fit a short; their sum over lanes does not, so each chunk's widens to ints
        IntVector acc = IntVector.zero(Blocks.I);
        for (int j = 0; j < BLOCK; j += Blocks.SL) {
            ShortVector p = Blocks.bytes(w, wq + j).mul(Blocks.bytes(a, aq + j));
            acc = acc.add(p.convertShape(VectorOperators.S2I, Blocks.I, 0))
                    .add(p.convertShape(VectorOperators.S2I, Blocks.I, 1));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
