package dev.ember.kernels.simd;

import dev.ember.tensor.quant.F16;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q5_0 weights times Q8_0 activations, as {@code Q5_0.dot}: per block {@code dw * da * sumi} in float,
 * blocks added in order (bit for bit the scalar dot). Block layout: {@code d} (fp16), {@code qh} (32 bits,
 * bit j the fifth bit of value j), {@code qs[16]} (value j low nibble of byte j, value j + 16 its high
 * nibble); each value minus 16.
 */
final class Q5_0Dot {
    private static final int BLOCK = 32;
    private static final int BYTES = 22;
    private static final int ACT_BYTES = 34;

    private Q5_0Dot() {
    }

    /** The {@link dev.ember.tensor.quant.RowDot} of Q5_0 weights. */
    static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long wb = wOff + (long) b * BYTES;
            long ab = aOff + (long) b * ACT_BYTES;
            int qh = w.get(Blocks.LE_INT, wb + 2);
            sum += F16.get(w, wb) * F16.get(a, ab) * blockSum(w, wb + 6, qh, (short) -16, a, ab + 2);
        }
        return sum;
    }

    /**
     * The exact integer dot of 32 five-bit values ({@code (nibble | high bit << 4) + bias}) with 32 int8
     * activations; shared with Q5_1 (bias 0).
     */
    static int blockSum(MemorySegment w, long wq, int qh, short bias, MemorySegment a, long aq) {
        // per lane at most 4 products of 31 * 127: a short holds them; the block's total needs ints
        ShortVector acc = ShortVector.zero(Blocks.S);
        for (int j = 0; j < BLOCK / 2; j += Blocks.SL) {
            ShortVector q = Blocks.bytes(w, wq + j);
            VectorMask<Short> h0 = highBits(qh >>> j);
            VectorMask<Short> h1 = highBits(qh >>> (BLOCK / 2 + j));
            ShortVector lo = q.and((short) 0x0F).lanewise(VectorOperators.OR, (short) 16, h0).add(bias);
            ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F)
                    .lanewise(VectorOperators.OR, (short) 16, h1).add(bias);
            acc = acc.add(lo.mul(Blocks.bytes(a, aq + j))).add(hi.mul(Blocks.bytes(a, aq + BLOCK / 2 + j)));
        }
        return Blocks.sum(acc);
    }

    /** @return lane l set where bit l of {@code bits} is */
    private static VectorMask<Short> highBits(int bits) {
        return ShortVector.broadcast(Blocks.S, (short) bits).and(Blocks.BIT).compare(VectorOperators.NE, 0);
    }
}
