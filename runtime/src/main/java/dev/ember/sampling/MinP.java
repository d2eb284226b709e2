package dev.ember.sampling;

/**
 * Keeps candidates whose probability is at least {@code p} times the best one's (llama.cpp's min-p).
 * It compares logits, {@code logit >= maxLogit + ln p}, so it needs neither a softmax nor a sort, and
 * keeps the candidates' order. p <= 0 disables.
 */
public final class MinP implements Sampler {
    private final float p;
    private final int minKeep;

    /** @param p the fraction of the top probability a candidate needs; llama.cpp's default is 0.05 */
    public MinP(float p) {
        this(p, 1);
    }

    /**
     * @param p       the fraction of the top probability a candidate needs
     * @param minKeep keep at least this many candidates (then the best ones, sorted)
     */
    public MinP(float p, int minKeep) {
        this.p = p;
        this.minKeep = Math.max(minKeep, 1);
    }

    @Override
    public void apply(Candidates c) {
        if (p <= 0f || c.size() == 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < c.size(); i++) {
            max = Math.max(max, c.logit(i));
        }
        float minLogit = max + (float) Math.log(p);
        int passing = 0;
        for (int i = 0; i < c.size(); i++) {
            if (c.logit(i) >= minLogit) {
                passing++;
            }
        }
        if (passing >= minKeep) {
            int kept = 0;
            for (int i = 0; i < c.size(); i++) {
                if (c.logit(i) >= minLogit) {
                    c.moveTo(i, kept++);
                }
            }
            c.setSize(kept);
        } else {
            // too few pass: keep the best minKeep (sorted), as llama.cpp's sorted path does
            c.keepBest(minKeep);
        }
    }
}
