package dev.ember.tensor.quant;

import dev.ember.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantize then dequantize: the error must stay within what each format's step allows. Tolerances are
 * named per family. The relative RMSE bounds come from uniform rounding noise, step / sqrt(12), for the
 * typical step on N(0, 1) data (amax of a 32-block is about 2.1, of a 256-block about 2.9), with about
 * 1.5x headroom. The per-value bounds are exact consequences of each reference quantizer, derived in
 * {@link #maxErrorBound}.
 */
class QuantizeRoundTripTest {
    /** Relative RMSE for 8-bit formats (Q8_0, Q8_K): step amax/127 gives about 0.005. */
    static final double MAX_REL_RMSE_8BIT = 0.01;
    /** Relative RMSE for 6-bit Q6_K: sub-block step amax/32 gives about 0.017. */
    static final double MAX_REL_RMSE_6BIT = 0.025;
    /** Relative RMSE for 5-bit formats (Q5_0, Q5_1): step amax/16 or range/31 gives about 0.04. */
    static final double MAX_REL_RMSE_5BIT = 0.055;
    /** Relative RMSE for 4-bit formats (Q4_0, Q4_1, Q4_K): step amax/8 or range/15 gives about 0.08. */
    static final double MAX_REL_RMSE_4BIT = 0.11;
    /** Relative RMSE for F16: 10 mantissa bits, rounding error up to 2^-11 relative. */
    static final double MAX_REL_RMSE_F16 = 3e-4;
    /** Relative RMSE for BF16: 7 mantissa bits, rounding error up to 2^-8 relative. */
    static final double MAX_REL_RMSE_BF16 = 2.5e-3;
    /** ggml's test-quantize-fns bound for every type but the 2- and 3-bit ones, in its own metric. */
    static final double MAX_QUANTIZATION_TOTAL_ERROR = 0.002;
    /** Relative error of rounding a normal value to half (2^-11): the slack for stored scales and mins. */
    static final double HALF_ULP = 0x1p-11;

    private static final int N = 4096;

    static double maxRelRmse(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> MAX_REL_RMSE_F16;
            case BF16 -> MAX_REL_RMSE_BF16;
            case Q8_0, Q8_K -> MAX_REL_RMSE_8BIT;
            case Q6_K -> MAX_REL_RMSE_6BIT;
            case Q5_0, Q5_1 -> MAX_REL_RMSE_5BIT;
            case Q4_0, Q4_1, Q4_K -> MAX_REL_RMSE_4BIT;
            default -> throw new AssertionError("no tolerance for " + type);
        };
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q8_K", "Q4_K", "Q6_K"})
    void gaussianDataStaysWithinTheFamilyTolerance(GgmlType type) {
        float[] x = gaussian(N, 1f, 42);
        float[] y = roundTrip(type, x);
        double relRmse = rms(difference(x, y)) / rms(x);
        assertTrue(relRmse <= maxRelRmse(type), type + ": relative RMSE " + relRmse + " > " + maxRelRmse(type));
        if (type == GgmlType.F32) {
            assertEquals(0.0, relRmse);
        } else {
            assertTrue(relRmse > 0, type + " lost nothing at all, which no rounding format can do");
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_K",
            "Q4_K", "Q6_K"})
    void ggmlTestQuantizeFnsDataPassesItsBound(GgmlType type) {
        // test-quantize-fns: x_i = 0.1 + 2 cos(i), 32 * 128 values, error = sqrt(sum of squares) / n
        float[] x = new float[32 * 128];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.1 + 2 * Math.cos(i));
        }
        float[] y = roundTrip(type, x);
        double error = Math.sqrt(sumOfSquares(difference(x, y))) / x.length;
        assertTrue(error < MAX_QUANTIZATION_TOTAL_ERROR, type + ": " + error);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_K", "F16", "BF16"})
    void everyValueIsWithinItsStepBound(GgmlType type) {
        float[] x = gaussian(N, 3f, 7);
        assertWithinStepBound(type, x, roundTrip(type, x));
    }

    /** Fails naming the first value whose error exceeds {@link #maxErrorBound} for its block. */
    static void assertWithinStepBound(GgmlType type, float[] x, float[] y) {
        int bs = type.blockSize() == 1 ? 1 : type.blockSize();
        for (int b = 0; b < x.length / bs; b++) {
            float amax = 0;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int i = b * bs; i < (b + 1) * bs; i++) {
                amax = Math.max(amax, Math.abs(x[i]));
                min = Math.min(min, x[i]);
                max = Math.max(max, x[i]);
            }
            for (int i = b * bs; i < (b + 1) * bs; i++) {
                double bound = maxErrorBound(type, x[i], amax, min, max);
                double err = Math.abs((double) x[i] - y[i]);
                assertTrue(err <= bound, String.format("%s [%d] = %s decoded %s: |error| %.3g > bound %.3g",
                        type, i, x[i], y[i], err, bound));
            }
        }
    }

    /**
     * The largest error each reference quantizer can make on value {@code v} of a block with these
     * statistics. Symmetric formats: rounding costs half a step, except Q4_0/Q5_0, whose +8 (+16) level
     * does not exist (q clamps to 15, 31), so a value opposite the extreme can be off by a whole step; the
     * scale's half rounding adds at most levels times {@link #halfRounding} of the scale. Formats with a min
     * add the min's half rounding. Q8_K keeps a float scale, so only its half step remains.
     */
    static double maxErrorBound(GgmlType type, float v, float amax, float min, float max) {
        double slack = 1 + 1e-5; // float rounding of x * (1/d) and of the decoded product
        return slack * switch (type) {
            case F16 -> halfRounding(v);
            case BF16 -> Math.abs(v) * 0x1p-8;
            case Q8_0 -> 0.5 * amax / 127.0 + 127 * halfRounding(amax / 127.0);
            case Q8_K -> 0.5 * amax / 127.0;
            case Q4_0 -> amax / 8.0 + 8 * halfRounding(amax / 8.0);
            case Q5_0 -> amax / 16.0 + 16 * halfRounding(amax / 16.0);
            case Q4_1 -> 0.5 * (max - min) / 15.0 + 15 * halfRounding((max - min) / 15.0) + halfRounding(min);
            case Q5_1 -> 0.5 * (max - min) / 31.0 + 31 * halfRounding((max - min) / 31.0) + halfRounding(min);
            default -> throw new AssertionError("no per-value bound for " + type);
        };
    }

    /** @return the largest error of rounding {@code v} to half: 2^-11 relative, or 2^-25 among subnormals */
    static double halfRounding(double v) {
        return Math.max(Math.abs(v) * HALF_ULP, 0x1p-25);
    }

    @Test
    void q8KBlockSumsAreTheSumsOfItsQuants() {
        float[] x = gaussian(2 * 256, 1f, 3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(GgmlType.Q8_K.byteSize(x.length));
            Q8_K.quantizeRow(x, 0, q, 0, x.length);
            for (int b = 0; b < 2; b++) {
                long block = b * 292L;
                for (int g = 0; g < 16; g++) {
                    int sum = 0;
                    for (int j = 0; j < 16; j++) {
                        sum += q.get(ValueLayout.JAVA_BYTE, block + 4 + 16 * g + j);
                    }
                    assertEquals(sum, q.get(BlockMath.LE_SHORT, block + 260 + 2 * g),
                            "block " + b + " bsums[" + g + "]");
                }
            }
        }
    }

    static float[] roundTrip(GgmlType type, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(type.byteSize(x.length));
            Quantize.row(type, x, 0, q, 0, x.length);
            float[] y = new float[x.length];
            Dequantize.row(type, q, 0, y, 0, y.length);
            return y;
        }
    }

    static float[] gaussian(int n, float sigma, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian() * sigma;
        }
        return x;
    }

    static float[] difference(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    static double sumOfSquares(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return s;
    }

    static double rms(float[] a) {
        return Math.sqrt(sumOfSquares(a) / a.length);
    }
}
