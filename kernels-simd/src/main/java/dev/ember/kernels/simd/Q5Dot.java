package dev.ember.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q5_0 weights times Q8_0 activations and Q5_1 weights times Q8_1 ({@link BlockDot}'s arithmetic; Q5_1 adds
 * the minimum's term {@code m * s} per block in a float beside the lanes). Layouts: Q5_0 {@code d} (fp16),
 * {@code qh} (32 bits, bit j the fifth bit of value j), {@code qs[16]} (value j the low nibble of byte j,
 * value j + 16 its high nibble), values minus 16; Q5_1 {@code d, m} (fp16), {@code qh}, {@code qs[16]},
 * unsigned. A lane's two products (at most 2 * 31 * 127) sum in a short.
 */
final class Q5Dot implements BlockDot {
    static final Q5Dot Q5_0 = new Q5Dot(22, 2, (short) -16, false);
    static final Q5Dot Q5_1 = new Q5Dot(24, 4, (short) 0, true);
    private static final int HALF = 16;

    private final int bytes;
    private final int qhOff;
    private final short bias;
    private final boolean hasMin;

    private Q5Dot(int bytes, int qhOff, short bias, boolean hasMin) {
        this.bytes = bytes;
        this.qhOff = qhOff;
        this.bias = bias;
        this.hasMin = hasMin;
    }

    @Override
    public float dot(MemorySegment w, long wOff, WidenedQ8 a, int token) {
        short[] xq = a.q;
        int blocks = a.blocks;
        FloatVector acc = FloatVector.zero(Blocks.F);
        float mins = 0f;
        for (int b = 0; b < blocks; b++) {
            long wb = wOff + (long) b * bytes;
            int qh = w.get(Blocks.LE_INT, wb + qhOff);
            int xb = (token * blocks + b) * WidenedQ8.BLOCK;
            IntVector sum = IntVector.zero(Blocks.I);
            for (int j = 0; j < HALF; j += Blocks.SL) {
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Blocks.B, w, wb + qhOff + 4 + j,
                        Blocks.LE).convertShape(VectorOperators.B2S, Blocks.S, 0);
                VectorMask<Short> h0 = ShortVector.broadcast(Blocks.S, (short) (qh >>> j)).and(Blocks.BIT)
                        .compare(VectorOperators.NE, 0);
                VectorMask<Short> h1 = ShortVector.broadcast(Blocks.S, (short) (qh >>> (HALF + j))).and(Blocks.BIT)
                        .compare(VectorOperators.NE, 0);
                ShortVector lo = q.and((short) 0x0F).lanewise(VectorOperators.OR, (short) 16, h0).add(bias);
                ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F)
                        .lanewise(VectorOperators.OR, (short) 16, h1).add(bias);
                IntVector p = lo.mul(ShortVector.fromArray(Blocks.S, xq, xb + j))
                        .add(hi.mul(ShortVector.fromArray(Blocks.S, xq, xb + HALF + j))).reinterpretAsInts();
                sum = sum.add(p.lanewise(VectorOperators.ASHR, 16))
                        .add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            }
            int s = token * blocks + b;
            float scale = Float.float16ToFloat(w.get(Blocks.LE_SHORT, wb)) * a.d[s];
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Blocks.F, scale), acc);
            if (hasMin) {
                mins += Float.float16ToFloat(w.get(Blocks.LE_SHORT, wb + 2)) * a.s[s];
            }
        }
        float sum = 0f; // lanes in order: reduceLanes' order differs between interpreter and C2
        for (int l = 0; l < Blocks.F.length(); l++) {
            sum += acc.lane(l);
        }
        return sum + mins;
    }
}
