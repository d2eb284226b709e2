package dev.ember.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0 weights times Q8_0 activations ({@link BlockDot}'s arithmetic). Block layout: {@code d} (fp16),
 * {@code qs[16]}: value j is the low nibble of byte j, value j + 16 its high nibble, both minus 8.
 * The nibbles are multiplied unsigned (no subtraction per value) and the 8 is taken off once per block as
 * {@code 8 * dw * s}, {@code s = da * sum(a)} ({@link WidenedQ8#s}), summed in a float beside the lanes.
 * {@code q <= 15} and {@code |a| <= 127}, so a lane's two products (at most 3810) sum in a short, and two
 * such shorts sum in the high half of an int lane (the pair sum's shift-add-shift).
 */
final class Q4_0Dot implements BlockDot {
    static final Q4_0Dot INSTANCE = new Q4_0Dot();
    private static final int BYTES = 18;
    private static final int HALF = 16;

    private Q4_0Dot() {
    }

    @Override
    public float dot(MemorySegment w, long wOff, WidenedQ8 a, int token) {
        short[] xq = a.q;
        float[] xd = a.d;
        float[] xs = a.s;
        int blocks = a.blocks;
        FloatVector acc = FloatVector.zero(Blocks.F);
        float offsets = 0f;
        for (int b = 0; b < blocks; b++) {
            long wb = wOff + (long) b * BYTES;
            int xb = (token * blocks + b) * WidenedQ8.BLOCK;
            IntVector sum = IntVector.zero(Blocks.I);
            for (int j = 0; j < HALF; j += Blocks.SL) {
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Blocks.B, w, wb + 2 + j, Blocks.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Blocks.S, 0);
                ShortVector lo = q.and((short) 0x0F);
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 4);
                IntVector p = lo.mul(ShortVector.fromArray(Blocks.S, xq, xb + j))
                        .add(hi.mul(ShortVector.fromArray(Blocks.S, xq, xb + HALF + j))).reinterpretAsInts();
                sum = sum.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            float dw = Float.float16ToFloat(w.get(Blocks.LE_SHORT, wb));
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(Blocks.F, dw * xd[token * blocks + b]), acc);
            offsets += dw * xs[token * blocks + b];
        }
        float sum = 0f; // lanes in order: reduceLanes' order differs between interpreter and C2
        for (int l = 0; l < Blocks.F.length(); l++) {
            sum += acc.lane(l);
        }
        return sum - 8 * offsets;
    }
}
