package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.kernel.Kernels;

/**
 * The llama-family transformer (stub: being written). Immutable and shared by sessions; all mutable
 * state lives in {@link SessionState}.
 */
public final class Transformer {
    private final Config config;
    private final Weights weights;

    /** @param config the hyperparameters @param weights the tensors */
    public Transformer(Config config, Weights weights) {
        this.config = config;
        this.weights = weights;
    }

    /**
     * Maps a GGUF file onto the transformer, choosing the architecture from {@code general.architecture}.
     *
     * @throws UnsupportedModelException naming the architecture and the supported list
     */
    public static Transformer load(GgufFile gguf) {
        throw new UnsupportedOperationException("being written");
    }

    /** @return the hyperparameters */
    public Config config() {
        return config;
    }

    /** @return the weights */
    public Weights weights() {
        return weights;
    }

    /**
     * Allocates one session's state: KV cache for {@code contextLength} positions, activations for
     * batches of up to {@code maxBatch} tokens, logits, and the session's FeedForward.
     */
    public SessionState newState(Kernels kernels, int contextLength, int maxBatch, FeedForward.Factory ffn) {
        throw new UnsupportedOperationException("being written");
    }

    /**
     * Runs {@code tokens[offset .. offset+count)} at positions {@code state.position() ..}, one batch
     * (count <= maxBatch; prefill) or one token (decode), and advances the position. Writes the logits of
     * the last token to {@code state.logits()} (vocab floats), or of every token when {@code allLogits}
     * ((count, vocab)).
     *
     * @throws dev.ember.EmberException if the tokens would run past the context
     */
    public void forward(SessionState state, int[] tokens, int offset, int count, boolean allLogits) {
        throw new UnsupportedOperationException("being written");
    }
}
