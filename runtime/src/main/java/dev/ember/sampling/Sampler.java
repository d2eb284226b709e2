package dev.ember.sampling;

/**
 * One step of a sampler chain: it narrows or reshapes the candidates (top-k, temperature, ...) or
 * draws the token ({@link Candidates#select}), as llama.cpp's {@code llama_sampler_apply} does.
 *
 * <pre>
 * SamplerChain chain = SamplerChain.of(new TopK(40), new Temperature(0.8f), new Distribution(42));
 * for (;;) {
 *     int token = chain.sample(logits);   // runs apply() of every step in order
 *     chain.accept(token);                // steps with history (repeat penalty) see it
 * }
 * </pre>
 *
 * Steps are not thread-safe: one chain per generation.
 */
@FunctionalInterface
public interface Sampler {
    /** Picks the highest logit, the lowest id on ties: deterministic, as llama.cpp's greedy sampler. */
    Sampler GREEDY = candidates -> candidates.select(candidates.argmax());

    /** Narrows, rescales or draws from {@code candidates} in place; allocates nothing. */
    void apply(Candidates candidates);

    /** Tells a step with history that {@code token} was chosen (or was in the prompt). */
    default void accept(int token) {
    }

    /** Forgets history and restarts the random stream, as for a new sequence. */
    default void reset() {
    }
}
