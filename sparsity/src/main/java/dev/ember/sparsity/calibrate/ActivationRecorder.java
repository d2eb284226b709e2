package dev.ember.sparsity.calibrate;

import dev.ember.EmberException;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.kernel.Activation;
import dev.ember.kernel.Kernels;
import dev.ember.model.FeedForward;
import dev.ember.model.LayerWeights;
import dev.ember.model.Weights;

import java.util.function.IntConsumer;

/**
 * Runs a model's forward pass over calibration tokens with a dense feed-forward that records, per layer and
 * token, the FFN input {@code x} (optional), {@code act(gate)} and the running {@code E[up²]} per channel.
 * It runs in a session of the model whose feed-forward is the recording one ({@link Model#newSession(
 * SessionOptions, FeedForward.Factory)}): the model's own weights, kernels and threads.
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
        int layers = model.config().layers();
        int dim = model.config().dim();
        int ffn = model.config().ffnDim();
        int ctx = Math.min(chunk, Math.max(1, model.config().contextLength()));
        long gateFloats = (long) n * ffn;
        if (gateFloats > Integer.MAX_VALUE - 16) {
            throw new EmberException("--max-tokens " + maxTokens + " is too many for an FFN of " + ffn
                    + " channels (at most " + (Integer.MAX_VALUE - 16) / ffn + ")");
        }
        float[][] x = keepX ? new float[layers][n * dim] : null;
        float[][] gate = new float[layers][n * ffn];
        double[][] upSq = new double[layers][ffn];
        int[] recorded = new int[layers];
        Activation act = model.config().activation();
        FeedForward.Factory factory = (weights, kernels, maxBatch) ->
                new RecordingFeedForward(weights, kernels, maxBatch, act, n, x, gate, upSq, recorded);
        Session session = model.newSession(SessionOptions.builder().contextLength(ctx).maxBatch(ctx).build(), factory);
        for (int start = 0; start < n; start += ctx) {
            int len = Math.min(ctx, n - start);
            session.reset();
            session.evaluate(tokens, start, len, false);
            if (progress != null) {
                progress.accept(start + len);
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
            kernels.matmul(w.ffnGate(), x, batch, g); // a batch of one is matvec, bit for bit
            kernels.matmul(w.ffnUp(), x, batch, u);
            int len = batch * ffn;
            for (int i = 0; i < len; i++) {
                g[i] = act.apply(g[i]);
                h[i] = g[i] * u[i];
            }
            kernels.matmul(w.ffnDown(), h, batch, out);
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
    }
}
