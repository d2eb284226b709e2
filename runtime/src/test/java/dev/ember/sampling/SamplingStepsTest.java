package dev.ember.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each step on small cases computed by hand, with llama.cpp's semantics. */
class SamplingStepsTest {
    private static final float EPS = 1e-6f;

    static Candidates of(float... logits) {
        Candidates c = new Candidates(logits.length);
        c.load(logits, 0, logits.length);
        return c;
    }

    static int[] ids(Candidates c) {
        return IntStream.range(0, c.size()).map(c::id).toArray();
    }

    static float[] logits(Candidates c) {
        float[] out = new float[c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = c.logit(i);
        }
        return out;
    }

    /** Logits whose softmax is exactly the given probabilities (up to float rounding). */
    static float[] logitsOf(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.log(probs[i]);
        }
        return l;
    }

    @Test
    void greedyTakesTheHighestLogitAndTheLowestIdOnTies() {
        Candidates c = of(1, 3, 3, 2);
        Sampler.GREEDY.apply(c);
        assertEquals(1, c.selectedId());
        assertEquals(2, SamplerChain.of(Sampler.GREEDY).sample(new float[] {0, 0, 7, 7}, 0, 4));
    }

    @Test
    void topKKeepsTheBestSortedAndZeroDisables() {
        Candidates c = of(1, 5, 3, 4, 5);
        new TopK(3).apply(c);
        assertArrayEquals(new int[] {1, 4, 3}, ids(c), "ties rank by lower id");
        assertArrayEquals(new float[] {5, 5, 4}, logits(c));
        assertTrue(c.sorted());
        Candidates all = of(1, 5, 3);
        new TopK(0).apply(all);
        assertArrayEquals(new int[] {0, 1, 2}, ids(all));
        Candidates big = of(1, 2);
        new TopK(10).apply(big);
        assertArrayEquals(new int[] {1, 0}, ids(big));
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // token probabilities: id0 0.2, id1 0.5, id2 0.3; sorted 0.5, 0.3, 0.2 -> cumulative 0.5, 0.8, 1.0
        float[] l = logitsOf(0.2, 0.5, 0.3);
        Candidates c = of(l);
        new TopP(0.45f).apply(c);
        assertArrayEquals(new int[] {1}, ids(c));
        c = of(l);
        new TopP(0.79f).apply(c);
        assertArrayEquals(new int[] {1, 2}, ids(c));
        assertEquals(0.5f, c.prob(0), EPS);
        assertEquals(0.3f, c.prob(1), EPS);
        c = of(l);
        new TopP(0.81f).apply(c);
        assertArrayEquals(new int[] {1, 2, 0}, ids(c));
        c = of(l);
        new TopP(1f).apply(c);
        assertArrayEquals(new int[] {0, 1, 2}, ids(c), "p = 1 is a no-op: not even sorted");
    }

    @Test
    void minPKeepsCandidatesAboveAFractionOfTheTopAndKeepsTheirOrder() {
        // top probability 0.5: p = 0.5 keeps probabilities >= 0.25 (0.5 and 0.3), in their original order
        float[] l = logitsOf(0.2, 0.5, 0.1, 0.3);
        Candidates c = of(l);
        new MinP(0.5f).apply(c);
        assertArrayEquals(new int[] {1, 3}, ids(c));
        c = of(l);
        new MinP(0.3f).apply(c); // >= 0.15: 0.2, 0.5, 0.3
        assertArrayEquals(new int[] {0, 1, 3}, ids(c));
        c = of(l);
        new MinP(0.9f, 3).apply(c); // only 0.5 passes, but keep 3: the best three, sorted
        assertArrayEquals(new int[] {1, 3, 0}, ids(c));
        c = of(l);
        new MinP(0f).apply(c);
        assertEquals(4, c.size());
    }

    @Test
    void temperatureDividesLogitsAndZeroKeepsOnlyTheBest() {
        Candidates c = of(2, 4, -1);
        new Temperature(2f).apply(c);
        assertArrayEquals(new float[] {1, 2, -0.5f}, logits(c));
        c = of(1, 3, 3);
        new Temperature(0f).apply(c);
        assertArrayEquals(new int[] {1}, ids(c));
    }

    @Test
    void repeatPenaltyDividesPositiveAndMultipliesNegativeLogitsOfRecentTokens() {
        RepeatPenalty penalty = new RepeatPenalty(2f, 3);
        for (int t : new int[] {0, 1, 2, 3, 3}) {
            penalty.accept(t); // window of 3: [2, 3, 3]; 0 and 1 have left it
        }
        Candidates c = of(4, 4, -1, 3, 5);
        penalty.apply(c);
        assertArrayEquals(new float[] {4, 4, -2, 1.5f, 5}, logits(c), "seen once or twice: same penalty");
        penalty.reset();
        c = of(4, 4, -1, 3, 5);
        penalty.apply(c);
        assertArrayEquals(new float[] {4, 4, -1, 3, 5}, logits(c));
        assertTrue(!new RepeatPenalty(1f, 64).active() && !new RepeatPenalty(1.1f, 0).active());
    }

    @Test
    void distributionDrawsWithTheSoftmaxProbabilitiesAndRepeatsPerSeed() {
        float[] l = logitsOf(0.25, 0.75);
        Distribution d = new Distribution(7);
        int[] draws = new int[20_000];
        int ones = 0;
        for (int i = 0; i < draws.length; i++) {
            Candidates c = of(l);
            d.apply(c);
            draws[i] = c.selectedId();
            ones += draws[i];
        }
        assertEquals(0.75, ones / (double) draws.length, 0.015);
        d.reset();
        Distribution same = new Distribution(7);
        for (int i = 0; i < 100; i++) {
            Candidates a = of(l);
            Candidates b = of(l);
            d.apply(a);
            same.apply(b);
            assertEquals(draws[i], a.selectedId());
            assertEquals(draws[i], b.selectedId());
        }
        Candidates one = of(-3);
        d.apply(one);
        assertEquals(0, one.selectedId());
    }

    @Test
    void keepBestSortsLikeAFullSort() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] l = new float[5000];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.floor(rng.nextDouble() * 200) / 10f; // many ties
        }
        Integer[] expected = IntStream.range(0, l.length).boxed().toArray(Integer[]::new);
        Arrays.sort(expected, Comparator.<Integer>comparingDouble(i -> -l[i]).thenComparingInt(i -> i));
        Candidates c = of(l);
        c.keepBest(37);
        assertArrayEquals(Arrays.stream(expected).limit(37).mapToInt(i -> i).toArray(), ids(c));
        c = of(l);
        c.sort();
        assertArrayEquals(Arrays.stream(expected).mapToInt(i -> i).toArray(), ids(c));
    }
}
