package dev.ember.kernels.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0 weights times Q8_0 activations ({@link BlockDot}'s arithmetic). Block layout: {@code d} (fp16),
 * {@code qs[32]} (int8). Weights are at most 127 in magnitude as ggml quantizes them (128 from another
 * quantizer still fits) and activations at most 127, so a lane's two products (at most 32512) sum in a short.
 */
final class Q8_0Dot implements BlockDot {
    static final Q8_0Dot INSTANCE = new Q8_0Dot();
    private static final int BYTES = 34;

    private Q8_0Dot() {
    }

    @Override
    public float dot(MemorySegment w, long wOff, WidenedQ8 a, int token) {
        short[] xq = a.q;
        float[] xd = a.d;
        int blocks = a.blocks;
        FloatVector acc = FloatVector.zero(Blocks.F);
        for (int b = 0; b < blocks; b++) {
            long wb = wOff + (long) b * BYTES;
            int xb = (token * blocks + b) * WidenedQ8.BLOCK;
            IntVector sum = IntVector.zero(Blocks.I);
            for (int j = 0; j < WidenedQ8.BLOCK; j += 2 * Blocks.SL) {
                ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(Blocks.B, w, wb + 2 + j, Blocks.LE)
                        .convertShape(VectorOperators.B2S, Blocks.S, 0);
                ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(Blocks.B, w, wb + 2 + j + Blocks.SL,
                        Blocks.LE).convertShape(VectorOperators.B2S, Blocks.S, 0);
                IntVector p = w0.mul(ShortVector.fromArray(Blocks.S, xq, xb + j))
                        .add(w1.mul(ShortVector.fromArray(Blocks.S, xq, xb + j + Blocks.SL))).reinterpretAsInts();
                sum = sum.add(p.lanewise(VectorOperators.ASHR, 16))
                        .add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
            }
            float scale = Float.float16ToFloat(w.get(Blocks.LE_SHORT, wb)) * xd[token * blocks + b];
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Blocks.F, scale), acc);
        }
        float sum = 0f; // lanes in order: reduceLanes' order differs between interpreter and C2
        for (int l = 0; l < Blocks.F.length(); l++) {
            sum += acc.lane(l);
        }
        return sum;
    }
}
