package dev.ember.sparsity;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A stand-in for a real predictor on models whose random weights have no real sparsity
 * ({@code synthetic:S[:gate]}): each token, each neuron of each layer runs with probability 1 - S, drawn afresh.
 * Without {@code :gate} it first pays what a trained low-rank predictor of the default rank costs (the same
 * products over random weights, {@link LowRankScorer}), and the gate rows of idle neurons are skipped; with
 * {@code :gate} the gate is computed densely first, as CHESS does, and no predictor runs. The draw costs what
 * a real predictor's threshold test costs: one comparison per neuron (16 random bits each, no rejection
 * sampling), so the stand-in's own bookkeeping does not count against sparsity's speed.
 *
 * <p>With {@code :zipf[=A]} neuron i runs with probability {@code min(1, c (i + 1)^-A)}, c chosen so that the
 * expected share is still 1 - S: a few neurons carry most activations (PowerInfer's observation), and since
 * they are the first, the chosen bundles cluster at the front of the layer as a frequency-ordered layout would
 * store them. One comparison per neuron still.
 */
final class SyntheticSelector implements NeuronSelector {
    private final int ffn;
    private final int[] cuts; // neuron i runs when its 16 random bits are below cuts[i]
    private final boolean gate;
    private final LowRankScorer scorer; // null with :gate
    private final SplittableRandom random;

    SyntheticSelector(double sparsity, double zipf, boolean gate, int ffn, LowRankScorer scorer, long seed) {
        this.ffn = ffn;
        this.cuts = new int[ffn];
        double[] p = probabilities(1 - sparsity, zipf, ffn);
        for (int i = 0; i < ffn; i++) {
            cuts[i] = (int) Math.round(p[i] * 65536);
        }
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
            count += (int) (bits & 0xFFFF) < cuts[i] ? 1 : 0;
            bits >>>= 16;
        }
        return count;
    }

    /**
     * @return per neuron the chance to run: {@code share} each when {@code zipf == 0}, else {@code min(1, c (i + 1)
     *         ^-zipf)} with c found by bisection so that the chances add up to {@code share * ffn}
     */
    static double[] probabilities(double share, double zipf, int ffn) {
        double[] p = new double[ffn];
        if (zipf == 0) {
            Arrays.fill(p, share);
            return p;
        }
        double[] w = new double[ffn]; // (i + 1)^-zipf, once: the bisection below sums it a hundred times
        for (int i = 0; i < ffn; i++) {
            w[i] = Math.pow(i + 1, -zipf);
        }
        double lo = 0;
        double hi = Math.pow(ffn, zipf); // c at which every neuron's chance is capped at 1
        for (int it = 0; it < 100; it++) {
            double c = (lo + hi) / 2;
            double sum = 0;
            for (int i = 0; i < ffn; i++) {
                sum += Math.min(1, c * w[i]);
            }
            if (sum < share * ffn) {
                lo = c;
            } else {
                hi = c;
            }
        }
        for (int i = 0; i < ffn; i++) {
            p[i] = Math.min(1, hi * w[i]);
        }
        return p;
    }
}
