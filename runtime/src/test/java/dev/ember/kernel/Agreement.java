package dev.ember.kernel;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compares kernel output with an oracle: value i passes when {@code |actual - expected| <= tolerance *
 * magnitude[i]}, magnitude being the sum of the absolute terms that produced it (so the bound is what
 * float rounding of those terms allows, whatever cancels). A failure names the first differing index, its
 * values and the largest error, the numbers one needs to tell a rounding slip from a wrong formula.
 */
public final class Agreement {
    /** Below this a magnitude counts as zero: outputs that should be exactly 0 must be tiny, not exact. */
    static final double MAGNITUDE_FLOOR = 1e-30;

    private Agreement() {
    }

    /** Asserts {@code actual[off + i]} is within {@code tolerance * magnitude[i]} of {@code expected[i]}. */
    public static void assertClose(String what, double[] expected, double[] magnitude, float[] actual, int off,
                                   double tolerance) {
        int first = -1;
        int bad = 0;
        int worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[off + i] - expected[i]);
            double allowed = tolerance * Math.max(magnitude[i], MAGNITUDE_FLOOR);
            double ratio = err / allowed;
            if (!(err <= allowed)) { // NaN fails too
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
            if (!(ratio <= worstRatio)) {
                worstRatio = ratio;
                worst = i;
            }
        }
        if (first >= 0) {
            fail(String.format("%s: %d of %d values differ; first at [%d]: expected %.9g, actual %.9g (|d| %.3g,"
                            + " allowed %.3g); largest error at [%d]: expected %.9g, actual %.9g, %.3g x the tolerance"
                            + " %.1g of magnitude %.3g",
                    what, bad, expected.length, first, expected[first], actual[off + first],
                    Math.abs(actual[off + first] - expected[first]), tolerance * magnitude[first], worst,
                    expected[worst], actual[off + worst], worstRatio, tolerance, magnitude[worst]));
        }
    }

    /** Asserts two outputs are bit for bit the same (same rows, another thread count, say). */
    public static void assertIdentical(String what, float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(String.format("%s: first difference at [%d] of %d: %.9g vs %.9g", what, i, expected.length,
                        expected[i], actual[i]));
            }
        }
    }
}
