package dev.ember.sparsity;


import java.util.SplittableRandom;

/**
 * A stand-in for a real predictor on models whose random weights have no real sparsity
 * ({@code synthetic:S[:gate]}): each token, a fresh random (1 - S) share of each layer's neurons runs. Without
 * {@code :gate} it first pays what a trained low-rank predictor of the default rank costs (the same two
 * matrix-vector products over random weights, {@link LowRankScorer}), and the gate rows of idle neurons are
 * skipped; with {@code :gate} the gate is computed densely first, as CHESS does, and no predictor runs.
 */
final class SyntheticSelector implements NeuronSelector {
    private final int active;
    private final boolean gate;
    private final LowRankScorer scorer; // null with :gate
    private final SplittableRandom random;
    private final boolean[] chosen;

    SyntheticSelector(double sparsity, boolean gate, int ffn, LowRankScorer scorer, long seed) {
        this.active = (int) Math.round((1 - sparsity) * ffn);
        this.gate = gate;
        this.scorer = scorer;
        this.random = new SplittableRandom(seed);
        this.chosen = new boolean[ffn];
    }

    @Override
    public boolean needsGate() {
        return gate;
    }

    @Override
    public int select(int layer, float[] x, int xOff, float[] gateValues, int[] ids) {
        if (scorer != null) {
            scorer.score(layer, x, xOff); // paid for, then ignored: the choice below is random
        }
        int n = chosen.length;
        // Floyd's sampling: `active` distinct neurons, then read back in ascending order
        for (int j = n - active; j < n; j++) {
            int r = random.nextInt(j + 1);
            if (chosen[r]) {
                r = j;
            }
            chosen[r] = true;
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (chosen[i]) {
                ids[count++] = i;
                chosen[i] = false;
            }
        }
        return count;
    }
}
