package dev.ember.kernels.simd;

import dev.ember.tensor.quant.F16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * F16 weights times F16 activations. Halves are widened to floats in vectors, exactly as
 * {@code Float.float16ToFloat}: the exponent and mantissa bits moved into a float's place and scaled by
 * 2^112 (exact, subnormals included), then the sign; infinities and NaNs get the all-ones exponent instead.
 * Each product of two halves is exact in float; the products are summed in float lanes as ggml's AVX code
 * does (the scalar {@code F16.dot} sums in double). The conversion is written out at each use rather than
 * in a helper: when C2 declines to inline a helper (which depends on compile order) every vector it returns
 * becomes a heap object.
 */
final class F16Dot {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;
    /** As many shorts as there are float lanes: half the width. */
    private static final VectorSpecies<Short> H =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Species.BITS / 2));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** 2^112: rescales a half's exponent (bias 15) to a float's (bias 127). */
    private static final float EXP_ADJUST = 0x1p112f;

    private F16Dot() {
    }

    /** The {@link dev.ember.tensor.quant.RowDot} of F16 weights. */
    static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        int body = n - n % F.length();
        double sum = body(w, wOff, a, aOff, body);
        for (int i = body; i < n; i++) {
            sum += F16.get(w, wOff + 2L * i) * F16.get(a, aOff + 2L * i);
        }
        return (float) sum;
    }

    /**
     * F16 weights times an F16 activation already widened to F32 (exactly: every half is a float), the form
     * {@link SimdKernels} uses: only the weights need converting per product. Summed as {@link #dot}.
     *
     * @param a the activation as little-endian floats, from byte {@code aOff}
     */
    static float dotWidened(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        int body = n - n % F.length();
        double sum = widenedBody(w, wOff, a, aOff, body);
        for (int i = body; i < n; i++) {
            sum += F16.get(w, wOff + 2L * i) * a.get(F32Dot.LE_FLOAT, aOff + 4L * i);
        }
        return (float) sum;
    }

    private static double widenedBody(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        // one accumulator, as in body: the conversion is the bound
        FloatVector acc = FloatVector.zero(F);
        int step = F.length();
        for (int i = 0; i < n; i += step) {
            IntVector hw = (IntVector) ShortVector.fromMemorySegment(H, w, wOff + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector hwMag = hw.and(0x7FFF);
            IntVector hwShift = hwMag.lanewise(VectorOperators.LSHL, 13);
            IntVector hwBits = ((IntVector) hwShift.reinterpretAsFloats().mul(EXP_ADJUST).reinterpretAsInts())
                    .blend(hwShift.or(0x7F800000), hwMag.compare(VectorOperators.GE, 0x7C00));
            FloatVector x = hwBits.or(hw.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            acc = x.fma(FloatVector.fromMemorySegment(F, a, aOff + 4L * i, LE), acc);
        }
        FloatVector total = acc;
        double sum = 0; // the lanes in order, in double: the same sum interpreted or compiled
        for (int l = 0; l < F.length(); l++) {
            sum += total.lane(l);
        }
        return sum;
    }

    private static double body(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        // one accumulator: the conversions (a dozen integer ops per vector of each operand) are the bound, not
        // the FMA latency. Each conversion is written out where it is used, as the class comment says why
        FloatVector acc = FloatVector.zero(F);
        int step = F.length();
        for (int i = 0; i < n; i += step) {
            IntVector hw = (IntVector) ShortVector.fromMemorySegment(H, w, wOff + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector hwMag = hw.and(0x7FFF);
            IntVector hwShift = hwMag.lanewise(VectorOperators.LSHL, 13);
            IntVector hwBits = ((IntVector) hwShift.reinterpretAsFloats().mul(EXP_ADJUST).reinterpretAsInts())
                    .blend(hwShift.or(0x7F800000), hwMag.compare(VectorOperators.GE, 0x7C00));
            FloatVector x = hwBits.or(hw.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            IntVector ha = (IntVector) ShortVector.fromMemorySegment(H, a, aOff + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector haMag = ha.and(0x7FFF);
            IntVector haShift = haMag.lanewise(VectorOperators.LSHL, 13);
            IntVector haBits = ((IntVector) haShift.reinterpretAsFloats().mul(EXP_ADJUST).reinterpretAsInts())
                    .blend(haShift.or(0x7F800000), haMag.compare(VectorOperators.GE, 0x7C00));
            FloatVector y = haBits.or(ha.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();

            acc = x.fma(y, acc);
        }
        FloatVector total = acc;
        double sum = 0; // the lanes in order, in double: the same sum interpreted or compiled
        for (int l = 0; l < F.length(); l++) {
            sum += total.lane(l);
        }
        return sum;
    }
}
