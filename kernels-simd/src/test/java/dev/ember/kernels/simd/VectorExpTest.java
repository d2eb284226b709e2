package dev.ember.kernels.simd;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vector exp against Math.exp, the scalar oracle: relative error, range ends, and what softmax feeds it. */
class VectorExpTest {
    private static final int L = Species.F.length();

    private static float[] exp(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += L) {
            VectorOps.exp(FloatVector.fromArray(Species.F, x, i)).intoArray(out, i);
        }
        return out;
    }

    @Test
    void withinAFewUlpOverTheNormalRange() {
        int n = 1 << 20;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -87f + 175f * i / n; // -87 .. 88, every step a different reduction
        }
        float[] e = exp(x);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double want = Math.exp(x[i]);
            double ulps = Math.abs(e[i] - want) / Math.ulp((float) want);
            worst = Math.max(worst, ulps);
        }
        assertTrue(worst <= 3, "worst error " + worst + " ulp");
    }

    @Test
    void exactWhereItMustBeAndClampedAtTheEnds() {
        float[] x = new float[L * 2];
        java.util.Arrays.fill(x, 0f);
        x[1] = Float.NEGATIVE_INFINITY; // a masked softmax score minus the max
        x[2] = -200f;
        x[3 % x.length] = 200f;
        float[] e = exp(x);
        assertEquals(1f, e[0], "exp(0) = 1 exactly: softmax's largest entry");
        assertTrue(e[1] >= 0 && e[1] < 2e-38f, "exp(-inf) ~ 0: " + e[1]);
        assertTrue(e[2] >= 0 && e[2] < 2e-38f, "exp(-200) ~ 0: " + e[2]);
        assertTrue(e[3 % x.length] > 1e38f && Float.isFinite(e[3 % x.length]), "exp(200) clamps to ~2e38: " + e[3]);
        assertTrue(Float.isNaN(exp(fill(Float.NaN))[0]), "NaN stays NaN");
    }

    private static float[] fill(float v) {
        float[] x = new float[L];
        java.util.Arrays.fill(x, v);
        return x;
    }
}
