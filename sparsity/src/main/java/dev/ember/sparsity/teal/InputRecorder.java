package dev.ember.sparsity.teal;

import dev.ember.EmberException;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.model.Projections;
import dev.ember.model.Weights;

import java.util.function.IntConsumer;

/**
 * Runs a model's dense forward pass over calibration tokens with projections that record, per layer and token,
 * the inputs TEAL thresholds: the normed hidden state the q/k/v projections read, and the attention output the
 * output projection reads.
 */
public final class InputRecorder {
    private InputRecorder() {
    }

    /**
     * @param tokens   tokens recorded (every layer saw the same ones)
     * @param dim      the q/k/v inputs' width
     * @param qDim     the output projection's input width
     * @param qkvInput per layer, (tokens, dim)
     * @param oInput   per layer, (tokens, qDim)
     * @param weights  the model's weights, as the session saw them
     */
    public record Recording(int tokens, int dim, int qDim, float[][] qkvInput, float[][] oInput, Weights weights) {
    }

    /**
     * @param model     the model
     * @param tokens    the token stream (BOS first if the vocabulary wants one)
     * @param chunk     tokens per forward sequence (the KV cache is reset between chunks)
     * @param maxTokens record at most this many tokens
     * @param progress  called with the tokens recorded so far after each chunk, or null
     */
    public static Recording record(Model model, int[] tokens, int chunk, int maxTokens, IntConsumer progress) {
        int n = Math.min(tokens.length, maxTokens);
        if (n < 1) {
            throw new EmberException("no calibration tokens (the text is empty, or --max-tokens is 0)");
        }
        int layers = model.config().layers();
        int dim = model.config().dim();
        int qDim = model.config().qDim();
        if ((long) n * Math.max(dim, qDim) > Integer.MAX_VALUE - 16) {
            throw new EmberException("too many calibration tokens (" + n + ") for inputs of " + Math.max(dim, qDim));
        }
        float[][] in = new float[layers][n * dim];
        float[][] out = new float[layers][n * qDim];
        int[] seenIn = new int[layers];
        int[] seenOut = new int[layers];
        Weights[] seen = new Weights[1];
        Projections.Factory recording = (weights, kernels, maxBatch) -> {
            seen[0] = weights;
            Projections dense = Projections.DENSE.create(weights, kernels, maxBatch);
            return new Projections() {
                @Override
                public void qkv(int layer, float[] x, int count, float[] q, float[] k, float[] v) {
                    seenIn[layer] = keep(x, count, dim, in[layer], seenIn[layer], n);
                    dense.qkv(layer, x, count, q, k, v);
                }

                @Override
                public void output(int layer, float[] att, int count, float[] o) {
                    seenOut[layer] = keep(att, count, qDim, out[layer], seenOut[layer], n);
                    dense.output(layer, att, count, o);
                }
            };
        };
        int ctx = Math.min(chunk, Math.max(1, model.config().contextLength()));
        Session session = model.newSession(SessionOptions.builder().contextLength(ctx).maxBatch(ctx).build(), null,
                recording);
        for (int start = 0; start < n; start += ctx) {
            int len = Math.min(ctx, n - start);
            session.reset();
            session.evaluate(tokens, start, len, false);
            if (progress != null) {
                progress.accept(start + len);
            }
        }
        return new Recording(n, dim, qDim, in, out, seen[0]);
    }

    /** Copies up to {@code cap - seen} of {@code count} tokens' inputs. @return the tokens kept so far */
    private static int keep(float[] x, int count, int width, float[] into, int seen, int cap) {
        int take = Math.min(count, cap - seen);
        if (take > 0) {
            System.arraycopy(x, 0, into, seen * width, take * width);
        }
        return seen + Math.max(take, 0);
    }
}
