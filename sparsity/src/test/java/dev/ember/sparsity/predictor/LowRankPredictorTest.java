package dev.ember.sparsity.predictor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LowRankPredictor}: the scoring formula by hand, argument checks, the initialisation. */
class LowRankPredictorTest {
    /** dim 3, rank 2, neurons 3, on tokens where no, one and both hidden units are cut by the ReLU. */
    @Test
    void scoreMatchesHandComputation() {
        float[] a = {
                1f, -1f, // a[0*2 + r]
                2f, 0.5f, // a[1*2 + r]
                -1f, 3f, // a[2*2 + r]
        };
        float[] b = {
                1f, 2f, -1f, // b[0*3 + j]
                10f, 20f, 30f, // b[1*3 + j]
        };
        float[] bias = {0.5f, -0.25f, 0f};
        LowRankPredictor p = new LowRankPredictor(3, 2, 3, a, b, bias);
        // Token at offset 2 of a longer buffer: x = (1, 2, 0.5).
        float[] x = {99f, -99f, 1f, 2f, 0.5f, 77f};
        // h0 = 1*1 + 2*2 + 0.5*(-1) = 4.5; h1 = 1*(-1) + 2*0.5 + 0.5*3 = 1.5.
        // With x = (1, -2, 0.5): h0 = 1 - 4 - 0.5 = -3.5 -> 0; h1 = -1 - 1 + 1.5 = -0.5 -> 0.
        float[] hidden = new float[2];
        float[] scores = new float[3];
        p.score(x, 2, hidden, scores);
        assertArrayEquals(new float[] {4.5f, 1.5f}, hidden);
        assertArrayEquals(new float[] {
                0.5f + 4.5f * 1f + 1.5f * 10f, // 20
                -0.25f + 4.5f * 2f + 1.5f * 20f, // 38.75
                0f + 4.5f * -1f + 1.5f * 30f, // 40.5
        }, scores, 0f);
        assertArrayEquals(new float[] {20f, 38.75f, 40.5f}, scores, 0f);

        // One unit off: x = (0, 0, 1) gives h0 = -1 -> 0 and h1 = 3, so only B's second row counts.
        float[] onlyThird = {0f, 0f, 1f};
        p.score(onlyThird, 0, hidden, scores);
        assertArrayEquals(new float[] {0f, 3f}, hidden);
        assertArrayEquals(new float[] {0.5f + 30f, -0.25f + 60f, 90f}, scores, 0f);

        // Both hidden units off: the scores are the bias alone.
        float[] negative = {-1f, -1f, -1f}; // h0 = -1 -2 +1 = -2, h1 = 1 - 0.5 - 3 = -2.5
        p.score(negative, 0, hidden, scores);
        assertArrayEquals(new float[] {0f, 0f}, hidden);
        assertArrayEquals(bias, scores, 0f);
    }

    @Test
    void scoreWritesOnlyTheFirstNeuronsAndRank() {
        LowRankPredictor p = LowRankPredictor.random(4, 2, 3, 7);
        float[] hidden = {0f, 0f, 123f};
        float[] scores = {0f, 0f, 0f, 456f};
        p.score(new float[] {1f, 2f, 3f, 4f}, 0, hidden, scores);
        assertEquals(123f, hidden[2]);
        assertEquals(456f, scores[3]);
    }

    @Test
    void scoreRejectsShortBuffers() {
        LowRankPredictor p = LowRankPredictor.random(4, 2, 3, 7);
        assertThrows(IllegalArgumentException.class, () -> p.score(new float[4], 1, new float[2], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> p.score(new float[4], -1, new float[2], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> p.score(new float[4], 0, new float[1], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> p.score(new float[4], 0, new float[2], new float[2]));
    }

    @Test
    void constructorRejectsWrongLengths() {
        float[] a = new float[6];
        float[] b = new float[8];
        float[] bias = new float[4];
        new LowRankPredictor(3, 2, 4, a, b, bias); // the right sizes are accepted

        assertMessage("a must hold dim*rank = 6", () -> new LowRankPredictor(3, 2, 4, new float[5], b, bias));
        assertMessage("a must hold dim*rank = 6", () -> new LowRankPredictor(3, 2, 4, new float[7], b, bias));
        assertMessage("a must hold", () -> new LowRankPredictor(3, 2, 4, null, b, bias));
        assertMessage("b must hold rank*neurons = 8", () -> new LowRankPredictor(3, 2, 4, a, new float[6], bias));
        assertMessage("b must hold", () -> new LowRankPredictor(3, 2, 4, a, new float[12], bias));
        assertMessage("bias must hold neurons = 4", () -> new LowRankPredictor(3, 2, 4, a, b, new float[3]));
        assertMessage("bias must hold", () -> new LowRankPredictor(3, 2, 4, a, b, null));
        // Swapped a and b when dim*rank != rank*neurons: the lengths give it away.
        assertMessage("a must hold", () -> new LowRankPredictor(3, 2, 4, b, a, bias));
        assertMessage("must be positive", () -> new LowRankPredictor(0, 2, 4, new float[0], b, bias));
        assertMessage("must be positive", () -> new LowRankPredictor(3, -1, 4, a, b, bias));
        assertMessage("must be positive", () -> LowRankPredictor.random(3, 2, 0, 1));
    }

    private static void assertMessage(String fragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), () -> "expected '" + fragment + "' in: " + e.getMessage());
    }

    @Test
    void randomIsDeterministicBoundedAndSeedDependent() {
        LowRankPredictor p = LowRankPredictor.random(16, 8, 32, 42);
        LowRankPredictor q = LowRankPredictor.random(16, 8, 32, 42);
        LowRankPredictor other = LowRankPredictor.random(16, 8, 32, 43);
        assertArrayEquals(p.a(), q.a());
        assertArrayEquals(p.b(), q.b());
        assertArrayEquals(p.bias(), q.bias());
        assertFalse(Arrays.equals(p.a(), other.a()));
        assertFalse(Arrays.equals(p.b(), other.b()));

        double aBound = Math.sqrt(6.0 / 16);
        double bBound = 1.0 / Math.sqrt(8);
        double aMaxAbs = 0;
        for (float v : p.a()) {
            assertTrue(Math.abs(v) <= aBound, "a within the Kaiming bound");
            aMaxAbs = Math.max(aMaxAbs, Math.abs(v));
        }
        for (float v : p.b()) {
            assertTrue(Math.abs(v) <= bBound, "b within 1/sqrt(rank)");
        }
        // Spread over the range, not (say) all zero or collapsed to a point.
        assertTrue(aMaxAbs > 0.8 * aBound, "a uses its range: " + aMaxAbs);
        assertArrayEquals(new float[32], p.bias());
        assertEquals(16, p.dim());
        assertEquals(8, p.rank());
        assertEquals(32, p.neurons());
    }
}
