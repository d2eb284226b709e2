package dev.ember.sampling;

/**
 * Keeps the {@code k} candidates with the highest logits, sorted best first (llama.cpp's top-k);
 * k <= 0 keeps all (unsorted, as llama.cpp does nothing then).
 */
public final class TopK implements Sampler {
    private final int k;

    /** @param k how many to keep; llama.cpp's default is 40; <= 0 disables */
    public TopK(int k) {
        this.k = k;
    }

    @Override
    public void apply(Candidates c) {
        if (k > 0) {
            c.keepBest(k);
        }
    }
}
