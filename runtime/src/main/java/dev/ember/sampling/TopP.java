package dev.ember.sampling;

/**
 * Nucleus sampling (llama.cpp's top-p): sorts, takes the softmax, and keeps the smallest prefix whose
 * probabilities add up to at least {@code p}. p >= 1 disables.
 */
public final class TopP implements Sampler {
    private final float p;
    private final int minKeep;

    /** @param p the probability mass to keep; llama.cpp's default is 0.95 */
    public TopP(float p) {
        this(p, 1);
    }

    /**
     * @param p       the probability mass to keep
     * @param minKeep keep at least this many candidates
     */
    public TopP(float p, int minKeep) {
        this.p = p;
        this.minKeep = minKeep;
    }

    @Override
    public void apply(Candidates c) {
        if (p >= 1f || c.size() == 0) {
            return;
        }
        c.softmax();
        float cumulative = 0;
        for (int i = 0; i < c.size(); i++) {
            cumulative += c.prob(i);
            if (cumulative >= p && i + 1 >= minKeep) {
                c.truncate(i + 1);
                return;
            }
        }
    }
}
