package dev.ember.model;

import dev.ember.kernel.Kernels;

/**
 * The attention's four projections as a strategy, the hook for input sparsity (TEAL: inputs below a magnitude
 * threshold are taken as zero, and the weights they would multiply are not read): dense by default. One instance
 * per session. Biases are the caller's.
 */
public interface Projections {
    /** {@code q, k, v = W_q x, W_k x, W_v x} for {@code n} tokens of x (n, dim): q (n, qDim), k and v (n, kvDim). */
    void qkv(int layer, float[] x, int n, float[] q, float[] k, float[] v);

    /** {@code out = W_o att} for {@code n} tokens: att (n, qDim), out (n, dim). */
    void output(int layer, float[] att, int n, float[] out);

    /** @return what input sparsity skipped ({@link SparsityStats#attentionSparsity()}), or null when dense */
    default SparsityStats stats() {
        return null;
    }

    /** Makes a session's projections. */
    @FunctionalInterface
    interface Factory {
        /** @return projections over {@code weights} with the session's kernels */
        Projections create(Weights weights, Kernels kernels, int maxBatch);
    }

    /** Every input, every weight: plain matrix products. */
    Factory DENSE = (weights, kernels, maxBatch) -> new Projections() {
        @Override
        public void qkv(int layer, float[] x, int n, float[] q, float[] k, float[] v) {
            LayerWeights w = weights.layer(layer);
            Projection.apply(kernels, w.attnQ(), x, n, q);
            Projection.apply(kernels, w.attnK(), x, n, k);
            Projection.apply(kernels, w.attnV(), x, n, v);
        }

        @Override
        public void output(int layer, float[] att, int n, float[] out) {
            Projection.apply(kernels, weights.layer(layer).attnOutput(), att, n, out);
        }
    };
}
