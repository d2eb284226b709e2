package dev.ember.sampling;

import dev.ember.EmberException;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chain: llama.cpp's order, greedy at temperature 0, same seed same tokens. */
class SamplerChainTest {
    private static final int VOCAB = 1000;

    static float[][] randomLogits(int steps, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] rows = new float[steps][VOCAB];
        for (float[] row : rows) {
            for (int i = 0; i < VOCAB; i++) {
                row[i] = (float) (rng.nextGaussian() * 3);
            }
        }
        return rows;
    }

    static int[] run(SamplerChain chain, float[][] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = chain.sample(rows[i], 0, VOCAB);
            chain.accept(out[i]);
        }
        return out;
    }

    @Test
    void defaultOrderIsLlamaCpps() {
        SamplerSpec spec = SamplerSpec.builder().repeatPenalty(1.1f).seed(1).build();
        assertEquals("[RepeatPenalty, TopK, TopP, MinP, Temperature, Distribution]",
                SamplerChain.from(spec).steps().stream().map(s -> s.getClass().getSimpleName()).toList().toString());
        SamplerSpec plain = SamplerSpec.builder().seed(1).build();
        assertEquals(5, SamplerChain.from(plain).steps().size(), "penalty 1.0 (the default) is left out");
        assertEquals(0.8f, plain.temperature());
        assertEquals(40, plain.topK());
        assertEquals(0.95f, plain.topP());
        assertEquals(0.05f, plain.minP());
    }

    @Test
    void temperatureZeroIsGreedy() {
        float[][] rows = randomLogits(50, 11);
        int[] tokens = run(SamplerChain.from(SamplerSpec.builder().temperature(0).build()), rows);
        for (int i = 0; i < rows.length; i++) {
            int best = 0;
            for (int j = 1; j < VOCAB; j++) {
                best = rows[i][j] > rows[i][best] ? j : best;
            }
            assertEquals(best, tokens[i]);
        }
        assertEquals(1, SamplerChain.from(SamplerSpec.GREEDY).steps().size());
    }

    @Test
    void sameSeedSameTokensAndResetRepeats() {
        float[][] rows = randomLogits(200, 5);
        SamplerSpec spec = SamplerSpec.builder().temperature(1.5f).topK(0).topP(1).minP(0).seed(42).build();
        SamplerChain chain = SamplerChain.from(spec);
        int[] a = run(chain, rows);
        assertArrayEquals(a, run(SamplerChain.from(spec), rows));
        chain.reset();
        assertArrayEquals(a, run(chain, rows));
        int[] other = run(SamplerChain.from(spec.toBuilder().seed(43).build()), rows);
        assertFalse(java.util.Arrays.equals(a, other), "another seed should give other tokens at temperature 1.5");
    }

    @Test
    void repeatPenaltyInTheChainAvoidsRepeats() {
        float[] flat = new float[VOCAB];
        flat[5] = 2f;
        flat[6] = 1.9f;
        SamplerChain chain = SamplerChain.from(SamplerSpec.builder().temperature(0).repeatPenalty(1.5f).build());
        int first = chain.sample(flat, 0, VOCAB);
        chain.accept(first);
        assertEquals(5, first);
        assertEquals(6, chain.sample(flat, 0, VOCAB), "5 is penalized to 1.33 < 1.9");
    }

    @Test
    void aChainWithoutADrawAndBadSpecsAreClearErrors() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SamplerChain.of(new TopK(5)).sample(new float[] {1, 2}, 0, 2));
        assertTrue(e.getMessage().contains("without a draw"), e.getMessage());
        assertThrows(EmberException.class, () -> SamplerSpec.builder().temperature(-1).build());
        assertThrows(EmberException.class, () -> SamplerSpec.builder().topP(0).build());
        assertThrows(EmberException.class, () -> SamplerSpec.builder().minP(2).build());
        assertThrows(EmberException.class, () -> SamplerSpec.builder().repeatPenalty(0).build());
    }
}
