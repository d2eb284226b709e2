package dev.ember.sampling;

/**
 * The final, random draw: softmax over the remaining candidates, then a token with that probability.
 * The random stream is explicit state seeded at construction (SplitMix64, a 64-bit counter through a
 * mixing function), so the same seed and the same logits give the same tokens on every JVM, and
 * {@link #reset()} restarts it. Candidates keep the order the steps before left them in; the draw
 * walks the cumulative probabilities in that order.
 */
public final class Distribution implements Sampler {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long seed;
    private long state;

    /** @param seed any value; equal seeds give equal draws */
    public Distribution(long seed) {
        this.seed = seed;
        this.state = seed;
    }

    @Override
    public void apply(Candidates c) {
        if (c.size() == 0) {
            throw new IllegalStateException("no candidates left to draw from");
        }
        c.probabilities();
        double u = nextDouble();
        double cumulative = 0;
        int last = c.size() - 1;
        for (int i = 0; i < last; i++) {
            cumulative += c.prob(i);
            if (u < cumulative) {
                c.select(i);
                return;
            }
        }
        c.select(last); // rounding may leave the sum a hair under 1
    }

    @Override
    public void reset() {
        state = seed;
    }

    /** @return a uniform double in [0, 1) from the next 53 bits of the stream */
    double nextDouble() {
        state += GOLDEN_GAMMA;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }
}
