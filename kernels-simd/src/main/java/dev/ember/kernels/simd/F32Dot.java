package dev.ember.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * F32 weights times F32 activations. Unlike {@code F32.dot}, whose sum runs in double, the products are
 * summed in float lanes, as ggml's AVX code does ({@code GGML_F32_VEC_FMA}); the lanes are added in double.
 * The conformance test's float tolerance allows it.
 */
final class F32Dot {
    private static final VectorSpecies<Float> F = Species.F;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    private F32Dot() {
    }

    /** The {@link dev.ember.tensor.quant.RowDot} of F32 weights. */
    static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        int body = n - n % F.length();
        double sum = body(w, wOff, a, aOff, body);
        for (int i = body; i < n; i++) {
            sum += w.get(LE_FLOAT, wOff + 4L * i) * a.get(LE_FLOAT, aOff + 4L * i);
        }
        return (float) sum;
    }

    /** The first {@code n} products (a multiple of the lane count), summed in four float accumulators. */
    private static double body(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        // four accumulators: an FMA's latency is four times its throughput, so one would stall the loop
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int step = F.length();
        int i = 0;
        for (; i + 4 * step <= n; i += 4 * step) {
            long wi = wOff + 4L * i;
            long ai = aOff + 4L * i;
            acc0 = FloatVector.fromMemorySegment(F, w, wi, LE).fma(FloatVector.fromMemorySegment(F, a, ai, LE), acc0);
            acc1 = FloatVector.fromMemorySegment(F, w, wi + 4L * step, LE).fma(FloatVector.fromMemorySegment(F, a, ai + 4L * step, LE), acc1);
            acc2 = FloatVector.fromMemorySegment(F, w, wi + 8L * step, LE).fma(FloatVector.fromMemorySegment(F, a, ai + 8L * step, LE), acc2);
            acc3 = FloatVector.fromMemorySegment(F, w, wi + 12L * step, LE).fma(FloatVector.fromMemorySegment(F, a, ai + 12L * step, LE), acc3);
        }
        for (; i < n; i += step) {
            acc0 = FloatVector.fromMemorySegment(F, w, wOff + 4L * i, LE).fma(FloatVector.fromMemorySegment(F, a, aOff + 4L * i, LE), acc0);
        }
        FloatVector total = acc0.add(acc1).add(acc2.add(acc3));
        double sum = 0; // the lanes in order, in double: the same sum interpreted or compiled
        for (int l = 0; l < F.length(); l++) {
            sum += total.lane(l);
        }
        return sum;
    }

}
