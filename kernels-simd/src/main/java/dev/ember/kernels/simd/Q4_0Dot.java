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

    @Override
    public void dot4(MemorySegment w, long wOff, WidenedQ8 a, int token, float[] y, int yOff, int yStride) {
        short[] xq = a.q;
        float[] xd = a.d;
        float[] xs = a.s;
        int blocks = a.blocks;
        int cols = blocks * WidenedQ8.BLOCK;
        FloatVector acc0 = FloatVector.zero(Blocks.F);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        float off0 = 0f;
        float off1 = 0f;
        float off2 = 0f;
        float off3 = 0f;
        for (int b = 0; b < blocks; b++) {
            long wb = wOff + (long) b * BYTES;
            int x0 = token * cols + b * WidenedQ8.BLOCK;
            IntVector sum0 = IntVector.zero(Blocks.I);
            IntVector sum1 = sum0;
            IntVector sum2 = sum0;
            IntVector sum3 = sum0;
            for (int j = 0; j < HALF; j += Blocks.SL) {
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(Blocks.B, w, wb + 2 + j, Blocks.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, Blocks.S, 0);
                ShortVector lo = q.and((short) 0x0F);
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 4);
                int x = x0 + j;
                IntVector p = lo.mul(ShortVector.fromArray(Blocks.S, xq, x))
                        .add(hi.mul(ShortVector.fromArray(Blocks.S, xq, x + HALF))).reinterpretAsInts();
                sum0 = sum0.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                x += cols;
                p = lo.mul(ShortVector.fromArray(Blocks.S, xq, x))
                        .add(hi.mul(ShortVector.fromArray(Blocks.S, xq, x + HALF))).reinterpretAsInts();
                sum1 = sum1.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                x += cols;
                p = lo.mul(ShortVector.fromArray(Blocks.S, xq, x))
                        .add(hi.mul(ShortVector.fromArray(Blocks.S, xq, x + HALF))).reinterpretAsInts();
                sum2 = sum2.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
                x += cols;
                p = lo.mul(ShortVector.fromArray(Blocks.S, xq, x))
                        .add(hi.mul(ShortVector.fromArray(Blocks.S, xq, x + HALF))).reinterpretAsInts();
                sum3 = sum3.add(p.add(p.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16));
            }
            float dw = Float.float16ToFloat(w.get(Blocks.LE_SHORT, wb));
            int s = token * blocks + b;
            acc0 = ((FloatVector) sum0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Blocks.F, dw * xd[s]), acc0);
            acc1 = ((FloatVector) sum1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Blocks.F, dw * xd[s + blocks]), acc1);
            acc2 = ((FloatVector) sum2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Blocks.F, dw * xd[s + 2 * blocks]), acc2);
            acc3 = ((FloatVector) sum3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Blocks.F, dw * xd[s + 3 * blocks]), acc3);
            off0 += dw * xs[s];
            off1 += dw * xs[s + blocks];
            off2 += dw * xs[s + 2 * blocks];
            off3 += dw * xs[s + 3 * blocks];
        }
        // lanes in order: reduceLanes' order differs between interpreter and C2, and must not differ from dot's
        float acc0Sum = 0f;
        for (int l = 0; l < Blocks.F.length(); l++) {
            acc0Sum += acc0.lane(l);
        }
        y[yOff] = acc0Sum - 8 * off0;
        float acc1Sum = 0f;
        for (int l = 0; l < Blocks.F.length(); l++) {
            acc1Sum += acc1.lane(l);
        }
        y[yOff + yStride] = acc1Sum - 8 * off1;
        float acc2Sum = 0f;
        for (int l = 0; l < Blocks.F.length(); l++) {
            acc2Sum += acc2.lane(l);
        }
        y[yOff + 2 * yStride] = acc2Sum - 8 * off2;
        float acc3Sum = 0f;
        for (int l = 0; l < Blocks.F.length(); l++) {
            acc3Sum += acc3.lane(l);
        }
        y[yOff + 3 * yStride] = acc3Sum - 8 * off3;
    }
}
