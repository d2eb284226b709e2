package dev.ember.sampling;

import java.util.List;

/**
 * Sampling steps applied in order, the last of which draws, like llama.cpp's sampler chain. The
 * default order is llama.cpp's: repeat penalty, top-k, top-p, min-p, temperature, distribution.
 *
 * <pre>
 * SamplerChain chain = SamplerChain.from(SamplerSpec.builder().seed(42).build());
 * int token = chain.sample(logits, 0, vocabSize);
 * chain.accept(token);
 * </pre>
 *
 * One chain per generation: it holds history and the random stream, and a {@link Candidates} buffer
 * sized on first use and reused after, so sampling a token allocates nothing.
 */
public final class SamplerChain implements Sampler {
    private final Sampler[] steps; // an array, not a List: no iterator per token
    private Candidates candidates;

    private SamplerChain(Sampler[] steps) {
        this.steps = steps;
    }

    /** @return a chain of these steps in order; the last should draw (Distribution or GREEDY) */
    public static SamplerChain of(Sampler... steps) {
        for (Sampler s : steps) {
            java.util.Objects.requireNonNull(s, "sampler step");
        }
        return new SamplerChain(steps.clone());
    }

    /**
     * @return the chain a spec describes, in llama.cpp's order; temperature 0 is the repeat penalty
     *         (if any) then {@link Sampler#GREEDY}, since the other steps never drop the best token
     */
    public static SamplerChain from(SamplerSpec spec) {
        RepeatPenalty penalty = new RepeatPenalty(spec.repeatPenalty(), spec.repeatLastN());
        if (spec.greedy()) {
            return penalty.active() ? of(penalty, GREEDY) : of(GREEDY);
        }
        Sampler[] rest = {new TopK(spec.topK()), new TopP(spec.topP()), new MinP(spec.minP()),
            new Temperature(spec.temperature()), new Distribution(spec.seed())};
        if (!penalty.active()) {
            return of(rest);
        }
        Sampler[] all = new Sampler[rest.length + 1];
        all[0] = penalty;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return of(all);
    }

    /** @return the steps, in order */
    public List<Sampler> steps() {
        return List.of(steps);
    }

    @Override
    public void apply(Candidates c) {
        for (int i = 0; i < steps.length; i++) {
            steps[i].apply(c);
        }
    }

    /**
     * Runs every step on {@code c} (loaded by the caller).
     *
     * @return the drawn token id
     * @throws IllegalStateException if no step drew a token
     */
    public int sample(Candidates c) {
        apply(c);
        if (c.selected() < 0) {
            throw new IllegalStateException("the sampler chain ended without a draw: end it with a "
                    + "Distribution or Sampler.GREEDY");
        }
        return c.selectedId();
    }

    /** @return the token drawn from the logits {@code logits[offset .. offset+n)} */
    public int sample(float[] logits, int offset, int n) {
        if (candidates == null || candidates.capacity() < n) {
            candidates = new Candidates(n);
        }
        candidates.load(logits, offset, n);
        return sample(candidates);
    }

    @Override
    public void accept(int token) {
        for (int i = 0; i < steps.length; i++) {
            steps[i].accept(token);
        }
    }

    @Override
    public void reset() {
        for (Sampler step : steps) {
            step.reset();
        }
    }
}
