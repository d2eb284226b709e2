package dev.ember.sampling;

import java.util.Arrays;

/**
 * Discourages tokens seen among the last {@code lastN} accepted tokens, as llama.cpp's penalties
 * sampler does with its repeat penalty: a seen token's logit is divided by {@code penalty} when
 * positive and multiplied by it when not (dividing a negative logit would make it likelier). How
 * often a token was seen does not matter here, only whether. The history is a ring of the last N
 * tokens with a count per token id, so applying costs one lookup per candidate.
 */
public final class RepeatPenalty implements Sampler {
    private final float penalty;
    private final int[] window; // (lastN) ring of the most recent tokens
    private int filled;
    private int next;
    private int[] counts = new int[0]; // (largest id seen + 1) occurrences inside the window

    /**
     * @param penalty 1 disables; llama.cpp's {@code --repeat-penalty} (1.1 is a common choice)
     * @param lastN   how many recent tokens count (llama.cpp's {@code --repeat-last-n}, default 64);
     *                0 disables
     */
    public RepeatPenalty(float penalty, int lastN) {
        if (!(penalty > 0) || lastN < 0) {
            throw new IllegalArgumentException("repeat penalty must be > 0 and lastN >= 0, got " + penalty
                    + " and " + lastN);
        }
        this.penalty = penalty;
        this.window = new int[lastN];
    }

    /** @return whether this step changes anything (penalty != 1 and a non-empty window) */
    public boolean active() {
        return penalty != 1f && window.length > 0;
    }

    @Override
    public void apply(Candidates c) {
        if (!active() || filled == 0) {
            return;
        }
        for (int i = 0; i < c.size(); i++) {
            int id = c.id(i);
            if (id < counts.length && counts[id] > 0) {
                float logit = c.logit(i);
                c.setLogit(i, logit <= 0 ? logit * penalty : logit / penalty);
            }
        }
    }

    @Override
    public void accept(int token) {
        if (window.length == 0) {
            return;
        }
        if (token >= counts.length) {
            // grows only while new, higher ids appear; typically once, to the vocabulary's size
            counts = Arrays.copyOf(counts, Math.max(token + 1, counts.length * 2));
        }
        if (filled == window.length) {
            counts[window[next]]--;
        } else {
            filled++;
        }
        window[next] = token;
        counts[token]++;
        next = (next + 1) % window.length;
    }

    @Override
    public void reset() {
        Arrays.fill(counts, 0);
        filled = 0;
        next = 0;
    }
}
