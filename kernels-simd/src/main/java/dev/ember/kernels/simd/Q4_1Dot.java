package dev.ember.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_1 weights times Q8_1 activations ({@link BlockDot}'s arithmetic, plus per block the minimum's term
 * {@code m * s} summed in a float beside the lanes). Block layout: {@code d, m} (fp16), {@code qs[16]} (value
 * j the low nibble of byte j, value j + 16 its high nibble, unsigned); Q8_1's {@code s} is {@code d * sum(a)}.
 */
final class Q4_1Dot implements BlockDot {
    static final Q4_1Dot INSTANCE = new Q4_1Dot();
    private static final int BYTES = 20;
    private static final int HALF = 16;

    private Q4_1Dot() {
    }

    @Override
    public float dot(MemorySegment w, long wOff, WidenedQ8 a, int token) {
        short[] xq = a.q;
        int blocks = a.blocks;
        FloatVector acc = FloatVector.zero(Blocks.F);
        float mins = 0f;
        for (int b = 0; b < blocks; b++) {
            long wb = wOff + (long) b * BYTES;
            int xb = (token * blocks + b) * WidenedQ8.BLOCK;
            IntVector sum = IntVector.zero(Blocks.I);
            for (int j = 0; j < HALF; j += Blocks.SL) {
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Blocks.B, w, wb + 4 + j, Blocks.LE)
                        .convertShape(VectorOperators.B2S, Blocks.S, 0);
                ShortVector lo = q.and((short) 0x0F);
                ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F);
                IntVector p = lo.mul(ShortVector.fromArray(Blocks.S, xq, xb + j))
                        .add(hi.mul(ShortVector.fromArray(Blocks.S, xq, xb + HALF + j))).reinterpretAsInts();
                sum = sum.add(p.lanewise(VectorOperators.ASHR, 16))
                        .add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            }
            int s = token * blocks + b;
            float scale = Float.float16ToFloat(w.get(Blocks.LE_SHORT, wb)) * a.d[s];
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Blocks.F, scale), acc);
            mins += Float.float16ToFloat(w.get(Blocks.LE_SHORT, wb + 2)) * a.s[s];
        }
        float sum = 0f; // lanes in order: reduceLanes' order differs between interpreter and C2
        for (int l = 0; l < Blocks.F.length(); l++) {
            sum += acc.lane(l);
        }
        return sum + mins;
    }
}
