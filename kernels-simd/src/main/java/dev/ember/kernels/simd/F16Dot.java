package dev.ember.kernels.simd;

import dev.ember.tensor.quant.F16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * F16 weights times F16 activations. Halves are widened to floats in vectors ({@link #toFloat}); each
 * product of two halves is exact in float; the products are summed in float lanes as ggml's AVX code does
 * (the scalar {@code F16.dot} sums in double), the lanes added in double.
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
        // one accumulator and one call site of each helper, as in body: the conversion is the bound, and C2
        // must inline the helpers everywhere or it boxes the vectors they return
        FloatVector acc = FloatVector.zero(F);
        int step = F.length();
        for (int i = 0; i < n; i += step) {
            FloatVector x = toFloat(halves(w, wOff + 2L * i));
            acc = x.fma(FloatVector.fromMemorySegment(F, a, aOff + 4L * i, LE), acc);
        }
        return F32Dot.sumLanes(acc);
    }

    private static double body(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        // one accumulator: the conversions (a dozen integer ops per vector of each operand) are the bound, not
        // the FMA latency; and the loop keeps every call inlined (see toFloat), or C2 boxes the vectors
        FloatVector acc = FloatVector.zero(F);
        int step = F.length();
        for (int i = 0; i < n; i += step) {
            FloatVector x = toFloat(halves(w, wOff + 2L * i));
            FloatVector y = toFloat(halves(a, aOff + 2L * i));
            acc = x.fma(y, acc);
        }
        return F32Dot.sumLanes(acc);
    }

    private static IntVector halves(MemorySegment m, long off) {
        return (IntVector) ShortVector.fromMemorySegment(H, m, off, LE).convertShape(VectorOperators.S2I, I, 0);
    }

    /**
     * Halves (sign-extended in int lanes) to floats, exactly as {@code Float.float16ToFloat}: the exponent
     * and mantissa bits moved into a float's place and scaled by 2^112 (exact, subnormals included), then
     * the sign; infinities and NaNs get the all-ones exponent instead. Kept small: a vector helper that C2
     * compiles on its own and then refuses to inline makes every vector it returns a heap object.
     */
    static FloatVector toFloat(IntVector h) {
        IntVector magnitude = h.and(0x7FFF);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = ((IntVector) shifted.reinterpretAsFloats().mul(EXP_ADJUST).reinterpretAsInts());
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7C00);
        bits = bits.blend(shifted.or(0x7F800000), special);
        return bits.or(sign).reinterpretAsFloats();
    }
}
