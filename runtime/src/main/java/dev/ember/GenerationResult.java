package dev.ember;

/**
 * What a generation produced and how fast.
 *
 * @param promptTokens the prompt's token ids
 * @param tokens       the generated ids: without a final end-of-generation token, with the tokens of a
 *                     stop string
 * @param text         the generated text, cut before a stop string (the prompt is not repeated)
 * @param stopReason   why it ended
 * @param prefill      prompt tokens evaluated (a prefix already in the session's cache is not
 *                     evaluated again, nor counted) and their time
 * @param decode       tokens generated and the time from the end of prefill to the last one
 * @param kernels      the kernel implementation that ran ("scalar", "simd", "native")
 * @param threads      the threads each operation was split over
 * @param sparsity     the feed-forward strategy ("none" = dense)
 */
public record GenerationResult(int[] promptTokens, int[] tokens, String text, StopReason stopReason, Timing prefill,
                               Timing decode, String kernels, int threads, String sparsity) {
    /** Copies the arrays, so the result is immutable. */
    public GenerationResult {
        promptTokens = promptTokens.clone();
        tokens = tokens.clone();
    }

    /** @return the prompt's token ids (a copy) */
    @Override
    public int[] promptTokens() {
        return promptTokens.clone();
    }

    /** @return the generated ids (a copy) */
    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
