package dev.ember.model;

import dev.ember.kernel.Kernels;

/**
 * The feed-forward half of a transformer block, as a strategy: dense by default, sparse from the
 * sparsity module. One instance per session (it may own scratch buffers and per-session state such
 * as a CoreInfer core set); {@code FFN(x) = W_down · (act(W_gate·x) ⊙ (W_up·x))}.
 */
public interface FeedForward {
    /**
     * {@code out[b*dim ..] = FFN_layer(x[b*dim ..])} for {@code b < batch}. x is the RMS-normed input
     * (batch, dim); out (batch, dim) does not alias x. The caller adds the residual.
     */
    void apply(int layer, float[] x, int batch, float[] out);

    /** @return what this strategy skipped since the last reset, or null for the dense FFN */
    default SparsityStats stats() {
        return null;
    }

    /** Makes a session's FeedForward; {@link DenseFeedForward#FACTORY} is the default. */
    @FunctionalInterface
    interface Factory {
        /**
         * @param weights  the model's weights (layer tensors, config)
         * @param kernels  the session's kernels
         * @param maxBatch the largest batch {@link #apply} will see
         */
        FeedForward create(Weights weights, Kernels kernels, int maxBatch);
    }
}
