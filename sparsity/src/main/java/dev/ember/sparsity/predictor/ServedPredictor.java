package dev.ember.sparsity.predictor;

import dev.ember.kernel.Kernels;
import dev.ember.sparsity.LowRankScorer;
import dev.ember.sparsity.Matrices;
import dev.ember.tensor.Tensor;

/**
 * A layer's predictor as a session serves it: A and B^T as {@link Matrices} (Q8_0 where the shapes allow) scored
 * by {@link LowRankScorer} with the session's kernels. Calibration tunes the recall threshold on these scores,
 * not on the float predictor's: a threshold tuned on floats and applied to Q8_0 scores gave a lower recall at
 * run time than calibration reported.
 */
public final class ServedPredictor {
    private final LowRankScorer scorer;
    private final int neurons;

    private ServedPredictor(LowRankScorer scorer, int neurons) {
        this.scorer = scorer;
        this.neurons = neurons;
    }

    /** @return A (rank x dim) and B^T (rank x ffn) of a profile's row-major dim x rank A and rank x ffn B */
    public static Tensor[] tensors(String name, float[] a, float[] b, int dim, int ffn) {
        int rank = a.length / dim;
        return new Tensor[] {Matrices.of(name + ".pred_a", Matrices.transpose(a, dim, rank), rank, dim),
            Matrices.of(name + ".pred_b", b, rank, ffn)};
    }

    /** @return {@code p} as a session would score it, on {@code kernels} */
    public static ServedPredictor of(LowRankPredictor p, Kernels kernels) {
        Tensor[] ab = tensors("calibration", p.a(), p.b(), p.dim(), p.neurons());
        return new ServedPredictor(new LowRankScorer(kernels, new Tensor[] {ab[0]}, new Tensor[] {ab[1]},
                new float[][] {p.bias()}), p.neurons());
    }

    /** @return the scores of every neuron for each of {@code n} inputs of dim values: (n, neurons) */
    public float[] scores(float[] inputs, int n, int dim) {
        float[] all = new float[n * neurons];
        for (int t = 0; t < n; t++) {
            System.arraycopy(scorer.score(0, inputs, t * dim), 0, all, t * neurons, neurons);
        }
        return all;
    }
}
