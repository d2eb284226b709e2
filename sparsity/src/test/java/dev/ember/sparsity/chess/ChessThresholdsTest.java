package dev.ember.sparsity.chess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CHESS thresholds against hand arithmetic, and the sparsity they achieve. */
class ChessThresholdsTest {
    /*
     * 2 tokens x 3 channels, E[u²] = [1, 4, 0.25].
     * gate token 0 = [0.5, 1, 2]   -> samples g²·E = [0.25·1, 1·4, 4·0.25]     = [0.25, 4, 1]
     * gate token 1 = [-3, 0.75, 5] -> samples g²·E = [9·1, 0.5625·4, 25·0.25] = [9, 2.25, 6.25]
     * sorted: 0.25, 1, 2.25, 4, 6.25, 9 (N = 6, all distinct)
     *
     * s = 0.5: index floor(3)   = 3 -> theta = 4
     *          tau = [sqrt(4/1), sqrt(4/4), sqrt(4/0.25)] = [2, 1, 4]
     *          skipped |g| < tau: t0: 0.5<2 yes, 1<1 no, 2<4 yes; t1: 3<2 no, 0.75<1 yes, 5<4 no -> 3/6
     * s = 0.4: index floor(2.4) = 2 -> theta = 2.25
     *          tau = [1.5, 0.75, 3]
     *          skipped: t0: 0.5<1.5 yes, 1<0.75 no, 2<3 yes; t1: 3<1.5 no, 0.75<0.75 no, 5<3 no -> 2/6
     * s = 0.1: index floor(0.6) = 0 -> theta = 0.25 (the minimum), tau = [0.5, 0.25, 1]: nothing below
     */
    private static final float[] E = {1f, 4f, 0.25f};
    private static final float[] GATE = {0.5f, 1f, 2f, -3f, 0.75f, 5f};

    @Test
    void handComputedHalf() {
        assertEquals(4.0, ChessThresholds.theta(E, GATE, 2, 3, 0.5));
        float[] tau = ChessThresholds.compute(E, GATE, 2, 3, 0.5);
        assertArrayEquals(new float[] {2f, 1f, 4f}, tau);
        assertEquals(3.0 / 6, ChessThresholds.achievedSparsity(tau, GATE, 2, 3));
    }

    @Test
    void handComputedFortyPercent() {
        assertEquals(2.25, ChessThresholds.theta(E, GATE, 2, 3, 0.4));
        float[] tau = ChessThresholds.compute(E, GATE, 2, 3, 0.4);
        assertArrayEquals(new float[] {1.5f, 0.75f, 3f}, tau);
        assertEquals(2.0 / 6, ChessThresholds.achievedSparsity(tau, GATE, 2, 3));
    }

    @Test
    void smallSparsityPicksTheMinimumAndSkipsNothingHere() {
        assertEquals(0.25, ChessThresholds.theta(E, GATE, 2, 3, 0.1));
        float[] tau = ChessThresholds.compute(E, GATE, 2, 3, 0.1);
        assertArrayEquals(new float[] {0.5f, 0.25f, 1f}, tau);
        assertEquals(0.0, ChessThresholds.achievedSparsity(tau, GATE, 2, 3));
    }

    @Test
    void zeroVarianceChannelIsAlwaysSkipped() {
        // channel 1 never has a nonzero up value: its samples are 0, 0
        // samples: t0 = [1·1, 0, 1·4] = [1, 0, 4]; t1 = [4·1, 0, 0.25·4] = [4, 0, 1]
        // sorted 0, 0, 1, 1, 4, 4; s = 0.5 -> index 3 -> theta = 1; tau = [1, +inf, sqrt(1/4) = 0.5]
        float[] e = {1f, 0f, 4f};
        float[] gate = {1f, 7f, 1f, 2f, -9f, 0.5f};
        float[] tau = ChessThresholds.compute(e, gate, 2, 3, 0.5);
        assertArrayEquals(new float[] {1f, Float.POSITIVE_INFINITY, 0.5f}, tau);
        // skipped: t0: 1<1 no, 7<inf yes, 1<0.5 no; t1: 2<1 no, 9<inf yes, 0.5<0.5 no -> 2/6
        assertEquals(2.0 / 6, ChessThresholds.achievedSparsity(tau, gate, 2, 3));
    }

    @Test
    void zeroSparsitySkipsOnlyExactZeros() {
        float[] e = {1f, 0f, 4f};
        float[] gate = {0f, 7f, 0f, 0f, -9f, 0f};
        float[] tau = ChessThresholds.compute(e, gate, 2, 3, 0);
        assertArrayEquals(new float[] {0f, 0f, 0f}, tau);
        assertEquals(0.0, ChessThresholds.theta(e, gate, 2, 3, 0));
        // nothing is under a zero threshold, but the four exact zeros add nothing and are skipped
        assertEquals(4.0 / 6, ChessThresholds.achievedSparsity(tau, gate, 2, 3));
    }

    @Test
    void onAReluLayerTheZerosAreSkippedEvenWhenTheyOutnumberTheTarget() {
        // 3 tokens x 4 channels, 8 of 12 activations exactly zero (relu), target 0.5: theta is 0, so is every tau,
        // and |g| < 0 alone would skip nothing
        float[] e = {1f, 1f, 1f, 1f};
        float[] gate = {0f, 0f, 2f, 0f, 0f, 3f, 0f, 0f, 1f, 0f, 0f, 4f};
        float[] tau = ChessThresholds.compute(e, gate, 3, 4, 0.5);
        assertArrayEquals(new float[] {0f, 0f, 0f, 0f}, tau);
        assertEquals(8.0 / 12, ChessThresholds.achievedSparsity(tau, gate, 3, 4));
        assertTrue(ChessThresholds.skips(0f, 0f));
        assertTrue(ChessThresholds.skips(-0.4f, 0.5f));
        assertTrue(!ChessThresholds.skips(0.5f, 0.5f));
    }

    @ParameterizedTest(name = "s = {0}")
    @ValueSource(doubles = {0.1, 0.3, 0.5, 0.7, 0.9, 0.99})
    void achievesTheTargetOnRandomCalibrationData(double s) {
        Random rnd = new Random(1234);
        int tokens = 200;
        int neurons = 300;
        float[] gate = new float[tokens * neurons];
        float[] up = new float[tokens * neurons];
        float[] scale = new float[neurons];
        for (int i = 0; i < neurons; i++) {
            scale[i] = (float) Math.exp(rnd.nextGaussian()); // channels of very different magnitudes
        }
        for (int k = 0; k < gate.length; k++) {
            double x = rnd.nextGaussian();
            gate[k] = (float) (x / (1 + Math.exp(-x))); // SiLU of a gaussian
            up[k] = (float) (rnd.nextGaussian() * scale[k % neurons]);
        }
        float[] e = new float[neurons];
        for (int k = 0; k < up.length; k++) {
            e[k % neurons] += up[k] * up[k] / tokens;
        }
        float[] tau = ChessThresholds.compute(e, gate, tokens, neurons, s);
        double achieved = ChessThresholds.achievedSparsity(tau, gate, tokens, neurons);
        // exactly floor(s·N) pairs lie below theta; float rounding of tau may move a handful of pairs
        assertEquals(s, achieved, 1e-3, "achieved sparsity");
    }

    @Test
    void thresholdsScaleInverselyWithChannelMagnitude() {
        // same gate distribution, E[u²] of channel 1 four times channel 0's: its tau must be half
        Random rnd = new Random(7);
        int tokens = 100;
        float[] gate = new float[tokens * 2];
        for (int k = 0; k < gate.length; k++) {
            gate[k] = (float) rnd.nextGaussian();
        }
        float[] tau = ChessThresholds.compute(new float[] {1f, 4f}, gate, tokens, 2, 0.5);
        assertEquals(tau[0] / 2, tau[1], 1e-6f * tau[0]);
        assertTrue(tau[0] > 0);
    }

    @Test
    void rejectsSparsityOutsideTheRange() {
        for (double s : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ChessThresholds.compute(E, GATE, 2, 3, s));
            assertTrue(e.getMessage().contains("sparsity"), e.getMessage());
        }
    }

    @Test
    void rejectsMismatchedLengths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChessThresholds.compute(E, GATE, 3, 3, 0.5));
        assertTrue(e.getMessage().contains("gate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ChessThresholds.compute(new float[] {1f, 2f}, GATE, 2, 3, 0.5));
        assertTrue(e.getMessage().contains("meanUpSquared"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ChessThresholds.achievedSparsity(new float[2], GATE, 2, 3));
        assertTrue(e.getMessage().contains("tau"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ChessThresholds.compute(new float[0], new float[0], 0, 0, 0.5));
        assertTrue(e.getMessage().contains("tokens"), e.getMessage());
    }

    @Test
    void rejectsNegativeOrNonFiniteValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChessThresholds.compute(new float[] {1f, -1f, 1f}, GATE, 2, 3, 0.5));
        assertTrue(e.getMessage().contains("meanUpSquared[1]"), e.getMessage());
        float[] gate = GATE.clone();
        gate[4] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> ChessThresholds.compute(E, gate, 2, 3, 0.5));
        assertTrue(e.getMessage().contains("token 1, channel 1"), e.getMessage());
    }
}
