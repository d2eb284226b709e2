package dev.ember.sparsity.coreinfer;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CoreInfer core neurons against hand arithmetic and a brute-force reference. */
class CoreNeuronsTest {
    /*
     * 4 tokens x 5 neurons, alpha = 0.4.
     * token 0: [3, -1, 5, 2, 0]     positives at 0 (3), 2 (5), 3 (2): p = 3, k = ceil(1.2) = 2 -> {2, 0}
     * token 1: [1, 1, 1, 1, 1]      p = 5, k = ceil(2.0) = 2, all tied -> lowest indices {0, 1}
     * token 2: [-1, -2, 0, -3, -4]  no positive activation -> nothing
     * token 3: [0.5, 4, 4, 0.1, 9]  p = 5, k = 2: 9 (idx 4), then the tie 4/4 -> idx 1 -> {4, 1}
     * counts: [2, 2, 1, 0, 1]
     * beta = 0.5: need ceil(2.0) = 2 -> {0, 1}
     * beta = 0.2: need ceil(0.8) = 1 -> {0, 1, 2, 4}; cap 3 -> counts 2, 2 then tie 1/1 -> lower idx 2 -> {0, 1, 2}
     * beta = 1.0: need 4 -> {}
     */
    private static final float[] ACTS = {
            3, -1, 5, 2, 0,
            1, 1, 1, 1, 1,
            -1, -2, 0, -3, -4,
            0.5f, 4, 4, 0.1f, 9,
    };

    @Test
    void handComputedCounts() {
        int[] counts = new int[5];
        int[] idx = new int[5];
        float[] val = new float[5];
        for (int t = 0; t < 4; t++) {
            CoreNeurons.countToken(ACTS, t * 5, 5, 0.4, counts, idx, val);
        }
        assertArrayEquals(new int[] {2, 2, 1, 0, 1}, counts);
    }

    @Test
    void handComputedSelection() {
        assertArrayEquals(new int[] {0, 1}, CoreNeurons.select(ACTS, 4, 5, 0.4, 0.5, 0));
        assertArrayEquals(new int[] {0, 1, 2, 4}, CoreNeurons.select(ACTS, 4, 5, 0.4, 0.2, 0));
        assertArrayEquals(new int[] {0, 1, 2}, CoreNeurons.select(ACTS, 4, 5, 0.4, 0.2, 3));
        assertArrayEquals(new int[] {0, 1, 2, 4}, CoreNeurons.select(ACTS, 4, 5, 0.4, 0.2, 4));
        assertArrayEquals(new int[0], CoreNeurons.select(ACTS, 4, 5, 0.4, 1.0, 0));
    }

    @Test
    void tokenWithoutPositiveActivationsContributesNothing() {
        int[] counts = {3, 1, 0, 2, 5};
        CoreNeurons.countToken(ACTS, 10, 5, 1.0, counts, new int[5], new float[5]);
        assertArrayEquals(new int[] {3, 1, 0, 2, 5}, counts);
        // a prompt of only such tokens has an empty core set
        assertArrayEquals(new int[0], CoreNeurons.select(new float[] {0, -1, Float.NaN, -0f}, 2, 2, 1.0, 0.1, 0));
    }

    @Test
    void alphaOneTakesEveryPositiveActivation() {
        int[] counts = new int[5];
        CoreNeurons.countToken(ACTS, 0, 5, 1.0, counts, new int[5], new float[5]);
        assertArrayEquals(new int[] {1, 0, 1, 1, 0}, counts);
    }

    @Test
    void ceilingIsNotFooledByBinaryRounding() {
        // 0.28 * 25 is 7.000000000000001 in double; the core is the top 7 of 25, not 8
        float[] acts = new float[25];
        for (int i = 0; i < 25; i++) {
            acts[i] = i + 1; // the top 7 are neurons 18..24
        }
        int[] counts = new int[25];
        CoreNeurons.countToken(acts, 0, 25, 0.28, counts, new int[25], new float[25]);
        int[] expected = new int[25];
        for (int i = 18; i < 25; i++) {
            expected[i] = 1;
        }
        assertArrayEquals(expected, counts);
    }

    @Test
    void atLeastOneTokenIsNeeded() {
        // beta·tokens = 0.1·2 = 0.2 -> ceil 1; never 0, which would select never-core neurons
        assertArrayEquals(new int[] {1}, CoreNeurons.fromCounts(new int[] {0, 1, 0}, 2, 0.1, 0));
        assertArrayEquals(new int[0], CoreNeurons.fromCounts(new int[] {0, 0, 0}, 0, 0.1, 0));
    }

    @Test
    void matchesBruteForceOnRandomData() {
        Random rnd = new Random(99);
        for (int trial = 0; trial < 50; trial++) {
            int tokens = 1 + rnd.nextInt(30);
            int neurons = 1 + rnd.nextInt(200);
            double alpha = 0.05 + 0.95 * rnd.nextDouble();
            double beta = 0.05 + 0.95 * rnd.nextDouble();
            int cap = rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(neurons);
            float[] acts = new float[tokens * neurons];
            for (int k = 0; k < acts.length; k++) {
                // few distinct values, so ties at the cut are common
                acts[k] = rnd.nextInt(8) - 3;
            }
            assertArrayEquals(bruteForce(acts, tokens, neurons, alpha, beta, cap),
                    CoreNeurons.select(acts, tokens, neurons, alpha, beta, cap), "trial " + trial);
        }
    }

    /** Sorts instead of selecting; same definition. */
    private static int[] bruteForce(float[] acts, int tokens, int neurons, double alpha, double beta, int cap) {
        int[] counts = new int[neurons];
        for (int t = 0; t < tokens; t++) {
            List<Integer> pos = new ArrayList<>();
            for (int i = 0; i < neurons; i++) {
                if (acts[t * neurons + i] > 0) {
                    pos.add(i);
                }
            }
            int base = t * neurons;
            pos.sort(Comparator.<Integer>comparingDouble(i -> -acts[base + i]).thenComparingInt(i -> i));
            int k = (int) Math.ceil(new BigDecimal(Double.toString(alpha))
                    .multiply(BigDecimal.valueOf(pos.size())).doubleValue() - 1e-12);
            for (int j = 0; j < k; j++) {
                counts[pos.get(j)]++;
            }
        }
        int need = Math.max(1, (int) Math.ceil(new BigDecimal(Double.toString(beta))
                .multiply(BigDecimal.valueOf(tokens)).doubleValue() - 1e-12));
        List<Integer> sel = new ArrayList<>();
        for (int i = 0; i < neurons; i++) {
            if (counts[i] >= need) {
                sel.add(i);
            }
        }
        if (cap > 0 && sel.size() > cap) {
            sel.sort(Comparator.<Integer>comparingInt(i -> -counts[i]).thenComparingInt(i -> i));
            sel = new ArrayList<>(sel.subList(0, cap));
            sel.sort(null);
        }
        return sel.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void rejectsAlphaAndBetaOutsideTheRange() {
        for (double bad : new double[] {0, -0.5, 1.01, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CoreNeurons.select(ACTS, 4, 5, bad, 0.2, 0));
            assertTrue(e.getMessage().contains("alpha"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CoreNeurons.select(ACTS, 4, 5, 0.4, bad, 0));
            assertTrue(e.getMessage().contains("beta"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> CoreNeurons.countToken(ACTS, 0, 5, bad, new int[5], new int[5], new float[5]));
            assertTrue(e.getMessage().contains("alpha"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CoreNeurons.fromCounts(new int[5], 4, bad, 0));
            assertTrue(e.getMessage().contains("beta"), e.getMessage());
        }
    }

    @Test
    void rejectsBadSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CoreNeurons.select(ACTS, 3, 5, 0.4, 0.2, 0));
        assertTrue(e.getMessage().contains("acts"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CoreNeurons.countToken(ACTS, 16, 5, 0.4, new int[5], new int[5], new float[5]));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CoreNeurons.countToken(ACTS, 0, 5, 0.4, new int[4], new int[5], new float[5]));
        assertTrue(e.getMessage().contains("counts"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CoreNeurons.fromCounts(new int[] {5}, 4, 0.2, 0));
        assertTrue(e.getMessage().contains("counts[0]"), e.getMessage());
    }

    @Test
    void defaultsAreThePapers() {
        assertEquals(0.4, CoreNeurons.DEFAULT_ALPHA);
        assertEquals(0.2, CoreNeurons.DEFAULT_BETA);
    }
}
