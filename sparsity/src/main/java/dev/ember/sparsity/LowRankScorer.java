package dev.ember.sparsity;

import dev.ember.kernel.Kernels;
import dev.ember.tensor.Tensor;

/**
 * Runs a layer's low-rank neuron predictor with the session's kernels: {@code scores = bias + B relu(A x)},
 * A as rank rows of dim values, B as ffn rows of rank values (Q8_0 where the shapes allow, like the weights
 * it predicts for, else F32). One per session (it owns the scratch).
 */
final class LowRankScorer {
    private final Kernels kernels;
    private final Tensor[] a;
    private final Tensor[] b;
    private final float[][] bias;
    private final float[] hidden;
    private final float[] scores;

    LowRankScorer(Kernels kernels, Tensor[] a, Tensor[] b, float[][] bias) {
        this.kernels = kernels;
        this.a = a;
        this.b = b;
        this.bias = bias;
        this.hidden = new float[Math.toIntExact(a[0].rows())];
        this.scores = new float[Math.toIntExact(b[0].rows())];
    }

    /** @return the scores of every neuron of the layer for the token (a reused buffer) */
    float[] score(int layer, float[] x, int xOff) {
        kernels.matvec(a[layer], x, xOff, hidden, 0);
        for (int r = 0; r < hidden.length; r++) {
            hidden[r] = Math.max(0f, hidden[r]);
        }
        kernels.matvec(b[layer], hidden, 0, scores, 0);
        if (bias != null) {
            float[] bl = bias[layer];
            for (int j = 0; j < scores.length; j++) {
                scores[j] += bl[j];
            }
        }
        return scores;
    }
}
