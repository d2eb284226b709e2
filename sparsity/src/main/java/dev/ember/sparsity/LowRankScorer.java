package dev.ember.sparsity;

import dev.ember.kernel.Kernels;
import dev.ember.tensor.Tensor;

/**
 * Runs a layer's low-rank neuron predictor with the session's kernels: {@code scores = bias + B relu(A x)},
 * A as rank rows of dim values, B stored transposed, as rank rows of ffn values (Q8_0 where the shapes allow,
 * like the weights it predicts for, else F32). Transposed, because relu(A x) is itself sparse (about half of
 * it is 0): the scores are the sum of only the rows of B^T whose hidden value is positive
 * ({@link Kernels#accumulateRows}), where a matvec over B would read all of it in ffn short rows. One per
 * session (it owns the scratch).
 */
public final class LowRankScorer {
    private final Kernels kernels;
    private final Tensor[] a;
    private final Tensor[] bt;
    private final float[][] bias;
    private final float[] hidden;
    private final int[] rows;
    private final float[] values;
    private final float[] scores;

    /**
     * @param a    per layer, rank x dim
     * @param bt   per layer, B transposed: rank x ffn
     * @param bias per layer, ffn values; null for none
     */
    public LowRankScorer(Kernels kernels, Tensor[] a, Tensor[] bt, float[][] bias) {
        this.kernels = kernels;
        this.a = a;
        this.bt = bt;
        this.bias = bias;
        int rank = Math.toIntExact(a[0].rows());
        this.hidden = new float[rank];
        this.rows = new int[rank];
        this.values = new float[rank];
        this.scores = new float[Math.toIntExact(bt[0].shape().rowLength())];
    }

    /** @return the scores of every neuron of the layer for the token (a reused buffer) */
    public float[] score(int layer, float[] x, int xOff) {
        kernels.matvec(a[layer], x, xOff, hidden, 0);
        int n = 0;
        for (int r = 0; r < hidden.length; r++) {
            if (hidden[r] > 0f) { // relu: the others add nothing
                rows[n] = r;
                values[n++] = hidden[r];
            }
        }
        if (bias != null) {
            System.arraycopy(bias[layer], 0, scores, 0, scores.length);
        } else {
            java.util.Arrays.fill(scores, 0f);
        }
        kernels.accumulateRows(bt[layer], rows, values, n, scores, 0);
        return scores;
    }
}
