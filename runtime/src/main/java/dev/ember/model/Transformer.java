package dev.ember.model;

import dev.ember.EmberException;
import dev.ember.gguf.GgufFile;
import dev.ember.kernel.Kernels;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Dequantize;
import dev.ember.tensor.quant.RowDequantizer;

/**
 * The llama-family transformer: token embedding, {@code layers} pre-norm blocks of grouped-query attention
 * with rope and a gated FFN, final RMSNorm, output projection. Immutable and shared by sessions; all mutable
 * state lives in {@link SessionState}. Thread-safe: any number of sessions may run {@link #forward} at once,
 * each on its own state.
 */
public final class Transformer {
    private final Config config;
    private final Weights weights;
    private final RowDequantizer embeddingRow; // decodes one row of the token embedding (ggml get_rows)

    /** @param config the hyperparameters @param weights the tensors */
    public Transformer(Config config, Weights weights) {
        this.config = config;
        this.weights = weights;
        config.checkRunnable();
        this.embeddingRow = Dequantize.of(weights.tokenEmbedding().type());
    }

    /**
     * Maps a GGUF file onto the transformer, choosing the architecture from {@code general.architecture}.
     * The weights stay views of the file's mapping: keep it open while the transformer is used.
     *
     * @throws UnsupportedModelException naming the architecture and the supported list, or a feature (such as
     *         YaRN rope scaling) that Ember does not run
     */
    public static Transformer load(GgufFile gguf) {
        Architecture arch = Architectures.of(gguf.metadata());
        Config config = arch.config(gguf.metadata());
        config.checkRunnable(); // before the tensors: say what is unsupported, not which tensor is missing
        return new Transformer(config, arch.weights(gguf, config));
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
        return newState(kernels, contextLength, maxBatch, ffn, Projections.DENSE);
    }

    /** As {@link #newState(Kernels, int, int, FeedForward.Factory)}, with the attention's projections too. */
    public SessionState newState(Kernels kernels, int contextLength, int maxBatch, FeedForward.Factory ffn,
                                 Projections.Factory projections) {
        return new SessionState(this, kernels, contextLength, maxBatch, ffn, projections);
    }

    /**
     * Runs {@code tokens[offset .. offset+count)} at positions {@code state.position() ..}, one batch
     * (prefill) or one token (decode), and advances the position. Writes the logits of the last token to
     * {@code state.logits()} (vocab floats), or of every token when {@code allLogits} ((count, vocab)).
     * Without allLogits a count above maxBatch is run in chunks of maxBatch; with it, count must fit one batch.
     *
     * @throws EmberException if the tokens would run past the context, or a token id is outside the vocabulary
     */
    public void forward(SessionState state, int[] tokens, int offset, int count, boolean allLogits) {
        checkInput(state, tokens, offset, count, allLogits);
        for (int done = 0; done < count; done += state.maxBatch()) {
            int n = Math.min(state.maxBatch(), count - done);
            boolean lastChunk = done + n == count;
            forwardBatch(state, tokens, offset + done, n, allLogits ? n : lastChunk ? 1 : 0);
        }
    }

    /**
     * One batch of n <= maxBatch tokens, top to bottom, with the logits of its last {@code logitRows} rows (none
     * for a prefill chunk that is not the last). Allocates nothing.
     */
    private void forwardBatch(SessionState s, int[] tokens, int offset, int n, int logitRows) {
        Config c = config;
        Kernels kernels = s.kernels;
        int dim = c.dim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int headSize = c.headSize();
        float eps = c.rmsNormEps();
        int pos0 = s.position;

        // x = token_embd[tokens]: the embedding rows, decoded exactly (ggml get_rows); gemma scales them
        Tensor embd = weights.tokenEmbedding();
        for (int b = 0; b < n; b++) {
            embeddingRow.dequantizeRow(embd.data(), tokens[offset + b] * embd.rowBytes(), s.x, b * dim, dim);
        }
        if (c.embeddingScale() != 1f) {
            scale(s.x, 0, n * dim, c.embeddingScale());
        }

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = weights.layer(l);

            // attention rmsnorm: xb = rmsnorm(x) * attn_norm
            rmsnormRows(kernels, s.xb, s.x, 0, n, w.attnNorm(), dim, eps);

            // q, k, v = xb Wq, xb Wk, xb Wv (+ biases: qwen2)
            s.projections.qkv(l, s.xb, n, s.q, s.k, s.v);
            Projection.addBias(s.q, w.attnQBias(), n);
            Projection.addBias(s.k, w.attnKBias(), n);
            Projection.addBias(s.v, w.attnVBias(), n);

            // per-head rmsnorm of q and k (qwen3), before rope
            if (w.attnQNorm() != null) {
                rmsnormRows(kernels, s.q, s.q, 0, n * c.heads(), w.attnQNorm(), headSize, eps);
                rmsnormRows(kernels, s.k, s.k, 0, n * c.kvHeads(), w.attnKNorm(), headSize, eps);
            }

            // rope: rotate q and k of token b by its position (gemma3's windowed layers have a base of their own)
            Rope rope = c.windowed(l) ? s.ropeLocal : s.rope;
            for (int b = 0; b < n; b++) {
                rope.rotate(kernels, s.q, b * qDim, c.heads(), pos0 + b);
                rope.rotate(kernels, s.k, b * kvDim, c.kvHeads(), pos0 + b);
            }

            // the cache keeps k and v of every position so far
            s.cache.store(l, pos0, s.k, s.v, n);

            // attention over the cache: token b sees positions start .. pos0+b (causal within the batch; a windowed
            // layer starts the window's width back); gemma scales q itself, gemma2 caps the scores
            for (int b = 0; b < n; b++) {
                int start = c.attentionStart(l, pos0 + b);
                if (c.queryScale() > 0) {
                    scale(s.q, b * qDim, qDim, c.queryScale());
                    kernels.attention(s.q, b * qDim, s.cache.keys(l), s.cache.values(l), start * kvDim, kvDim,
                            c.heads(), c.kvHeads(), headSize, pos0 + b + 1 - start, 1f, c.attnSoftcap(), s.att,
                            b * qDim);
                } else {
                    kernels.attention(s.q, b * qDim, s.cache.keys(l), s.cache.values(l), start * kvDim, kvDim,
                            c.heads(), c.kvHeads(), headSize, pos0 + b + 1 - start, s.att, b * qDim);
                }
            }

            // output projection: out = att Wo (+ bias); gemma2 norms it before the residual
            s.projections.output(l, s.att, n, s.out);
            Projection.addBias(s.out, w.attnOutputBias(), n);
            if (w.postAttnNorm() != null) {
                rmsnormRows(kernels, s.out, s.out, 0, n, w.postAttnNorm(), dim, eps);
            }

            // residual
            addInPlace(s.x, s.out, n * dim);

            // ffn rmsnorm: xb = rmsnorm(x) * ffn_norm
            rmsnormRows(kernels, s.xb, s.x, 0, n, w.ffnNorm(), dim, eps);

            // ffn: out = W2 (act(W1 xb) * W3 xb), through the session's strategy (dense or sparse); gemma2 norms it
            s.ffn.apply(l, s.xb, n, s.out);
            if (w.postFfnNorm() != null) {
                rmsnormRows(kernels, s.out, s.out, 0, n, w.postFfnNorm(), dim, eps);
            }

            // residual
            addInPlace(s.x, s.out, n * dim);
        }

        s.position = pos0 + n;
        if (logitRows == 0) {
            return;
        }

        // final rmsnorm of the rows whose logits are wanted: every row, or the last
        rmsnormRows(kernels, s.xb, s.x, n - logitRows, logitRows, weights.outputNorm(), dim, eps);

        // logits = xb Wout (+ bias)
        float[] logits = s.logitsFor(logitRows);
        Projection.apply(kernels, weights.output(), s.xb, logitRows, logits);
        Projection.addBias(logits, weights.outputBias(), logitRows);

        // gemma2 caps the logits: c * tanh(logits / c), as ggml's scale, tanh, scale
        if (c.finalSoftcap() > 0) {
            float cap = c.finalSoftcap();
            for (int i = 0; i < logitRows * c.vocabSize(); i++) {
                logits[i] = cap * (float) Math.tanh(logits[i] * (1f / cap));
            }
        }
    }

    /** {@code x[off .. off+n) *= factor}, in float as ggml_scale. */
    private static void scale(float[] x, int off, int n, float factor) {
        for (int i = off; i < off + n; i++) {
            x[i] *= factor;
        }
    }

    /** {@code out[r] = rmsnorm(x[from + r]) * weight} for rows r < count of n values each; out may alias x. */
    private static void rmsnormRows(Kernels kernels, float[] out, float[] x, int from, int count, float[] weight,
                                    int n, float eps) {
        for (int r = 0; r < count; r++) {
            kernels.rmsnorm(out, r * n, x, (from + r) * n, weight, n, eps);
        }
    }

    private static void addInPlace(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }

    private void checkInput(SessionState s, int[] tokens, int offset, int count, boolean allLogits) {
        if (count < 1 || offset < 0 || offset + count > tokens.length) {
            throw new IllegalArgumentException("tokens [" + offset + ", " + (offset + count) + ") of an array of "
                    + tokens.length);
        }
        if (allLogits && count > s.maxBatch()) {
            throw new IllegalArgumentException("logits of every token need one batch: " + count
                    + " tokens exceed the session's max batch of " + s.maxBatch());
        }
        if (s.position() + count > s.contextLength()) {
            throw new EmberException(count + " tokens at position " + s.position() + " run past the context of "
                    + s.contextLength() + " tokens (" + (s.position() + count - s.contextLength()) + " too many)");
        }
        for (int i = offset; i < offset + count; i++) {
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new EmberException("token id " + tokens[i] + " at index " + i + " is outside the vocabulary of "
                        + config.vocabSize() + " tokens");
            }
        }
    }
}
