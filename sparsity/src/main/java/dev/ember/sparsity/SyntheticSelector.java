package dev.ember.sparsity;


import java.util.SplittableRandom;

/**
 * A stand-in for a real predictor on models whose random weights have no real sparsity
 * ({@code synthetic:S[:gate]}): each token, each neuron of each layer runs with probability 1 - S, drawn afresh.
 * Without {@code :gate} it first pays what a trained low-rank predictor of the default rank costs (the same
 * products over random weights, {@link LowRankScorer}), and the gate rows of idle neurons are skipped; with
 * {@code :gate} the gate is computed densely first, as CHESS does, and no predictor runs. The draw costs what
 * a real predictor's threshold test costs: one comparison per neuron (16 random bits each, no rejection
 * sampling), so the stand-in's own bookkeeping does not count against sparsity's speed.
 */
final class SyntheticSelector implements NeuronSelector {
    private final int ffn;
    private final int cut; // a neuron runs when its 16 random bits are below this
    private final boolean gate;
    private final LowRankScorer scorer; // null with :gate
    private final SplittableRandom random;

    SyntheticSelector(double sparsity, boolean gate, int ffn, LowRankScorer scorer, long seed) {
        this.ffn = ffn;
        this.cut = (int) Math.round((1 - sparsity) * 65536);
        this.gate = gate;
        this.scorer = scorer;
        this.random = new SplittableRandom(seed);
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
        int count = 0;
        long bits = 0;
        for (int i = 0; i < ffn; i++) {
            if ((i & 3) == 0) {
                bits = random.nextLong();
            }
            ids[count] = i; // kept only if it runs: ascending, without a branch to mispredict
            count += (int) (bits & 0xFFFF) < cut ? 1 : 0;
            bits >>>= 16;
        }
        return count;
    }
}
