package dev.ember.sparsity.calibrate;

import dev.ember.EmberException;
import dev.ember.Model;
import dev.ember.kernel.Activation;
import dev.ember.kernel.KernelSelection;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.model.FeedForward;
import dev.ember.model.LayerWeights;
import dev.ember.model.SessionState;
import dev.ember.model.Transformer;
import dev.ember.model.Weights;
import dev.ember.tensor.Tensor;

import java.util.function.IntConsumer;

/**
 * Runs a model's forward pass over calibration tokens with a dense feed-forward that records, per layer and
 * token, the FFN input {@code x} (optional), {@code act(gate)} and the running {@code E[up²]} per channel.
 * It builds its own {@link Transformer} and kernels from the model's public API (the mapped file, the kernel
 * name, the thread count), so it needs no hook into {@code Session}.
 */
public final class ActivationRecorder {
    private ActivationRecorder() {
    }

    /**
     * What was recorded.
     *
     * @param layers        transformer blocks
     * @param dim           model width
     * @param ffn           FFN channels per layer
     * @param tokens        tokens recorded (every layer saw the same ones)
     * @param x             per layer, {@code tokens×dim} RMS-normed FFN inputs, or null when not asked for
     * @param gate          per layer, {@code tokens×ffn} values of {@code act(gate)}
     * @param meanUpSquared per layer, {@code E[up²]} per channel over the tokens
     * @param activation    the model's FFN activation
     */
    public record Recording(int layers, int dim, int ffn, int tokens, float[][] x, float[][] gate,
                            float[][] meanUpSquared, Activation activation) {
    }

    /**
     * @param model     the model
     * @param tokens    the token stream (BOS first if the vocabulary wants one)
     * @param chunk     tokens per forward sequence (the KV cache is reset between chunks)
     * @param maxTokens record at most this many tokens
     * @param keepX     keep the FFN inputs (for predictor training)
     * @param progress  called with the tokens recorded so far after each chunk, or null
     */
    public static Recording record(Model model, int[] tokens, int chunk, int maxTokens, boolean keepX,
                                   IntConsumer progress) {
        if (chunk < 1) {
            throw new EmberException("chunk must be >= 1, got " + chunk);
        }
        int n = Math.min(tokens.length, maxTokens);
        if (n < 1) {
            throw new EmberException("no calibration tokens (the text is empty, or --max-tokens is 0)");
        }
        Transformer transformer = Transformer.load(model.gguf());
        int layers = transformer.config().layers();
        int dim = transformer.config().dim();
        int ffn = transformer.config().ffnDim();
        int ctx = Math.min(chunk, Math.max(1, transformer.config().contextLength()));
        long gateFloats = (long) n * ffn;
        if (gateFloats > Integer.MAX_VALUE - 16) {
            throw new EmberException("--max-tokens " + maxTokens + " is too many for an FFN of " + ffn
                    + " channels (at most " + (Integer.MAX_VALUE - 16) / ffn + ")");
        }
        float[][] x = keepX ? new float[layers][n * dim] : null;
        float[][] gate = new float[layers][n * ffn];
        double[][] upSq = new double[layers][ffn];
        int[] recorded = new int[layers];
        Activation act = transformer.config().activation();
        FeedForward.Factory factory = (weights, kernels, maxBatch) ->
                new RecordingFeedForward(weights, kernels, maxBatch, act, n, x, gate, upSq, recorded);
        try (WorkerPool pool = new WorkerPool(model.threads())) {
            Kernels kernels = KernelSelection.select(model.kernels()).provider().create(pool);
            SessionState state = transformer.newState(kernels, ctx, ctx, factory);
            for (int start = 0; start < n; start += ctx) {
                int len = Math.min(ctx, n - start);
                state.reset();
                transformer.forward(state, tokens, start, len, false);
                if (progress != null) {
                    progress.accept(start + len);
                }
            }
        }
        float[][] mean = new float[layers][ffn];
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < ffn; i++) {
                mean[l][i] = (float) (upSq[l][i] / n);
            }
        }
        return new Recording(layers, dim, ffn, n, x, gate, mean, act);
    }

    /** Dense FFN that copies what calibration needs. */
    private static final class RecordingFeedForward implements FeedForward {
        private final Weights weights;
        private final Kernels kernels;
        private final Activation act;
        private final int dim;
        private final int ffn;
        private final int cap;
        private final float[][] xs;
        private final float[][] gates;
        private final double[][] upSq;
        private final int[] recorded;
        private final float[] g;
        private final float[] u;
        private final float[] h;

        RecordingFeedForward(Weights weights, Kernels kernels, int maxBatch, Activation act, int cap,
                             float[][] xs, float[][] gates, double[][] upSq, int[] recorded) {
            this.weights = weights;
            this.kernels = kernels;
            this.act = act;
            this.dim = weights.config().dim();
            this.ffn = weights.config().ffnDim();
            this.cap = cap;
            this.xs = xs;
            this.gates = gates;
            this.upSq = upSq;
            this.recorded = recorded;
            this.g = new float[maxBatch * ffn];
            this.u = new float[maxBatch * ffn];
            this.h = new float[maxBatch * ffn];
        }

        @Override
        public void apply(int layer, float[] x, int batch, float[] out) {
            LayerWeights w = weights.layer(layer);
            project(w.ffnGate(), x, batch, g);
            project(w.ffnUp(), x, batch, u);
            int len = batch * ffn;
            for (int i = 0; i < len; i++) {
                g[i] = act.apply(g[i]);
                h[i] = g[i] * u[i];
            }
            project(w.ffnDown(), h, batch, out);
            int take = Math.min(batch, cap - recorded[layer]);
            if (take > 0) {
                int t0 = recorded[layer];
                if (xs != null) {
                    System.arraycopy(x, 0, xs[layer], t0 * dim, take * dim);
                }
                System.arraycopy(g, 0, gates[layer], t0 * ffn, take * ffn);
                double[] sq = upSq[layer];
                for (int b = 0; b < take; b++) {
                    for (int i = 0, k = b * ffn; i < ffn; i++, k++) {
                        double v = u[k];
                        sq[i] += v * v;
                    }
                }
                recorded[layer] = t0 + take;
            }
        }

        private void project(Tensor w, float[] in, int batch, float[] y) {
            if (batch == 1) {
                kernels.matvec(w, in, 0, y, 0);
            } else {
                kernels.matmul(w, in, batch, y);
            }
        }
    }
}
