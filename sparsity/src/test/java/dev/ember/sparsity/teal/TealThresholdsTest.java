package dev.ember.sparsity.teal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** TEAL's thresholds and greedy allocation, on hand-computed cases. */
class TealThresholdsTest {
    @Test
    void curveThresholdsAndErrorsFollowTheMagnitudes() {
        // 2 tokens x 10 channels: magnitudes 1..20 (signs mixed), channel weights 1 except channel 0 (weight 3)
        float[] x = new float[20];
        for (int k = 0; k < 20; k++) {
            x[k] = (k % 3 == 0 ? -1 : 1) * (k + 1);
        }
        double[] c = {3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        TealThresholds.Curve curve = TealThresholds.curve(x, 2, 10, c, 1000);
        double total = 0;
        for (int k = 0; k < 20; k++) {
            total += c[k % 10] * (k + 1) * (k + 1);
        }
        assertEquals(0f, curve.tau()[0]);
        assertEquals(0.0, curve.error()[0]);
        // level 2 skips 0.10 of 20 values: the two smallest (1 and 2); the threshold is the third smallest, 3
        assertEquals(3f, curve.tau()[2]);
        assertEquals((3 * 1 + 1 * 4) / total, curve.error()[2], 1e-12);
        // level 10 skips the ten smallest, 1..10 (channel 0's is 1); threshold 11
        double skipped = 3 * 1;
        for (int v = 2; v <= 10; v++) {
            skipped += v * v;
        }
        assertEquals(11f, curve.tau()[10]);
        assertEquals(skipped / total, curve.error()[10], 1e-12);
        for (int level = 1; level <= TealThresholds.MAX_LEVEL; level++) {
            assertEquals(true, curve.error()[level] >= curve.error()[level - 1], "errors do not decrease");
        }
    }

    @Test
    void greedyAllocationSpendsErrorWhereItIsCheapestPerByte() {
        double[] cheap = new double[TealThresholds.MAX_LEVEL + 1];
        double[] dear = new double[TealThresholds.MAX_LEVEL + 1];
        for (int l = 1; l <= TealThresholds.MAX_LEVEL; l++) {
            cheap[l] = 0.001 * l * l; // convex: each step costs more than the last
            dear[l] = 0.01 * l * l;
        }
        float[] tau = new float[TealThresholds.MAX_LEVEL + 1];
        TealThresholds.Curve a = new TealThresholds.Curve(tau, cheap, 100);
        TealThresholds.Curve b = new TealThresholds.Curve(tau, dear, 100);
        // 0.25 of 200 bytes = 50 bytes = ten steps of 5 bytes. a's k-th step costs 0.001(2k-1)/100, b's
        // 0.01(2k-1)/100: a1..a5 (0.001 .. 0.009), b1 (0.01), a6..a9 (0.011 .. 0.017)
        int[] level = TealThresholds.allocate(new TealThresholds.Curve[] {a, b}, 0.25);
        assertEquals(10, level[0] + level[1], "ten steps of 5 % of 100 bytes make 0.25 of 200");
        assertArrayEquals(new int[] {9, 1}, level);
        assertArrayEquals(new int[] {0, 0}, TealThresholds.allocate(new TealThresholds.Curve[] {a, b}, 0));
        assertThrows(IllegalArgumentException.class,
                () -> TealThresholds.allocate(new TealThresholds.Curve[] {a}, 0.99));
    }
}
