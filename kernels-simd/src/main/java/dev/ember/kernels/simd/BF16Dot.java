package dev.ember.kernels.simd;

import dev.ember.tensor.quant.BF16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * BF16 weights times BF16 activations: a bfloat16 is the high half of a float, so widening is a shift;
 * the products (exact in float) are summed in float lanes, the lanes in double (the scalar sums in double).
 */
final class BF16Dot {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;
    private static final VectorSpecies<Short> H =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Species.BITS / 2));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private BF16Dot() {
    }

    /** The {@link dev.ember.tensor.quant.RowDot} of BF16 weights. */
    static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        int body = n - n % F.length();
        double sum = body(w, wOff, a, aOff, body);
        for (int i = body; i < n; i++) {
            sum += BF16.get(w, wOff + 2L * i) * BF16.get(a, aOff + 2L * i);
        }
        return (float) sum;
    }

    private static double body(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        // two accumulators hide the FMA latency behind the other's loads and shifts
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int step = F.length();
        int i = 0;
        // the widening is written out at each load, not in a helper: C2 boxes the vectors a helper returns when
        // it declines to inline it (which depends on compile order), and a box per load is a heap object per step
        for (; i + 2 * step <= n; i += 2 * step) {
            long wi = wOff + 2L * i;
            long ai = aOff + 2L * i;
            FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(H, w, wi, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector a0 = ((IntVector) ShortVector.fromMemorySegment(H, a, ai, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(H, w, wi + 2L * step, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector a1 = ((IntVector) ShortVector.fromMemorySegment(H, a, ai + 2L * step, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc0 = w0.fma(a0, acc0);
            acc1 = w1.fma(a1, acc1);
        }
        for (; i < n; i += step) {
            FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(H, w, wOff + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector a0 = ((IntVector) ShortVector.fromMemorySegment(H, a, aOff + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc0 = w0.fma(a0, acc0);
        }
        FloatVector total = acc0.add(acc1);
        double sum = 0; // the lanes in order, in double: the same sum interpreted or compiled
        for (int l = 0; l < F.length(); l++) {
            sum += total.lane(l);
        }
        return sum;
    }

}
