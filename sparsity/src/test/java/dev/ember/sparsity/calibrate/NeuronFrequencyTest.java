package dev.ember.sparsity.calibrate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Activation frequencies and how concentrated they are, on hand-made cases. */
class NeuronFrequencyTest {
    @Test
    void frequencyIsTheShareOfTokensANeuronRunsIn() {
        boolean[] active = {
            true, false, true, false,   // token 0
            true, false, false, false,  // token 1
            true, true, false, false,   // token 2
            true, false, true, false};  // token 3
        assertArrayEquals(new float[] {1f, 0.25f, 0.5f, 0f}, NeuronFrequency.of(active, 4, 4));
    }

    @Test
    void chessFrequencyFollowsItsSkipRule() {
        float[] gate = {0.5f, -0.05f, 0f, 0.2f, 0.01f, 0.3f};     // 2 tokens x 3 neurons
        float[] tau = {0.1f, 0.1f, 0.1f};
        // neuron 0: 0.5 runs, 0.2 runs; neuron 1: -0.05 skipped, 0.01 skipped; neuron 2: 0 skipped, 0.3 runs
        assertArrayEquals(new float[] {1f, 0f, 0.5f}, NeuronFrequency.ofChess(tau, gate, 2, 3));
    }

    @Test
    void orderIsHottestFirstWithTiesInNeuronOrder() {
        assertArrayEquals(new int[] {4, 1, 2, 0, 3}, NeuronFrequency.order(new float[] {0.1f, 0.5f, 0.5f, 0f, 0.9f}));
    }

    @Test
    void carriedIsTheHottestNeuronsShareOfAllActivations() {
        float[] f = {0.1f, 0.9f, 0.5f, 0.3f, 0.2f, 0f, 0f, 0f, 0f, 0f}; // total 2.0
        assertEquals(0.45, NeuronFrequency.carried(f, 0.1), 1e-6, "the hottest one: 0.9 of 2.0");
        assertEquals(0.70, NeuronFrequency.carried(f, 0.2), 1e-6, "0.9 + 0.5");
        assertEquals(1.0, NeuronFrequency.carried(f, 0.5), 1e-6);
        float[] even = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
        assertEquals(0.2, NeuronFrequency.carried(even, 0.2), 1e-6, "no skew: a fifth carries a fifth");
        String line = NeuronFrequency.curve(new float[][] {f, even});
        assertTrue(line.contains("hottest 10 % of neurons carry 27.5 %"), line);
    }
}
