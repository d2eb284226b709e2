package dev.ember.model;

import dev.ember.kernel.Kernels;

/**
 * One session's mutable state: KV cache, rope tables, activation buffers for a batch of up to {@code maxBatch}
 * tokens, logits, and the session's kernels and FeedForward. Everything is allocated here, once, from the
 * config, the context length and maxBatch; {@link Transformer#forward} only reuses it. Not thread-safe: one
 * session runs one forward at a time (sessions of one model may run concurrently, each with its own state).
 * Made by {@link Transformer#newState}.
 */
public final class SessionState {
    final Kernels kernels;
    final FeedForward ffn;
    final Projections projections; // the attention's projections: dense, or input-sparse (TEAL)
    final KvCache cache;
    final Rope rope;
    final Rope ropeLocal; // the windowed layers' rope (gemma3), else the same as rope
    private final int contextLength;
    private final int maxBatch;
    private final int vocab;
    int position;

    // activations of the current batch, row-major: row b belongs to token b of the batch
    final float[] x;      // (maxBatch, dim) residual stream
    final float[] xb;     // (maxBatch, dim) normed input of a sub-layer
    final float[] out;    // (maxBatch, dim) output of a sub-layer, before the residual add
    final float[] q;      // (maxBatch, qDim)
    final float[] k;      // (maxBatch, kvDim)
    final float[] v;      // (maxBatch, kvDim)
    final float[] att;    // (maxBatch, qDim) attention output, heads concatenated
    private float[] logits; // (vocab), or (maxBatch, vocab) once logits of every row were asked for

    SessionState(Transformer model, Kernels kernels, int contextLength, int maxBatch, FeedForward.Factory ffn,
                 Projections.Factory projections) {
        Config c = model.config();
        if (contextLength < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("context length " + contextLength + " and max batch " + maxBatch
                    + " must be positive");
        }
        this.kernels = kernels;
        this.contextLength = contextLength;
        this.maxBatch = maxBatch;
        this.vocab = c.vocabSize();
        this.cache = new KvCache(c.layers(), contextLength, c.kvDim());
        this.rope = new Rope(c, model.weights().ropeFreqFactors(), contextLength);
        this.ropeLocal = c.ropeThetaLocal() > 0
                ? new Rope(c, model.weights().ropeFreqFactors(), contextLength, c.ropeThetaLocal(), 1f) : rope;
        this.x = new float[maxBatch * c.dim()];
        this.xb = new float[maxBatch * c.dim()];
        this.out = new float[maxBatch * c.dim()];
        this.q = new float[maxBatch * c.qDim()];
        this.k = new float[maxBatch * c.kvDim()];
        this.v = new float[maxBatch * c.kvDim()];
        this.att = new float[maxBatch * c.qDim()];
        this.logits = new float[vocab];
        this.ffn = ffn.create(model.weights(), kernels, maxBatch);
        this.projections = projections.create(model.weights(), kernels, maxBatch);
    }

    /** @return the next position to be filled (tokens processed so far) */
    public int position() {
        return position;
    }

    /** @return the context length (positions the KV cache holds) */
    public int contextLength() {
        return contextLength;
    }

    /** @return the largest batch forward accepts */
    public int maxBatch() {
        return maxBatch;
    }

    /** @return the kernels this session computes with */
    public Kernels kernels() {
        return kernels;
    }

    /** @return this session's attention projections */
    public Projections projections() {
        return projections;
    }

    /** @return this session's feed-forward strategy */
    public FeedForward feedForward() {
        return ffn;
    }

    /**
     * @return logits written by the last forward: the last token's in {@code [0, vocab)}, or with allLogits
     *         token b's in {@code [b*vocab, (b+1)*vocab)}. The array is reused (and may be longer than written).
     */
    public float[] logits() {
        return logits;
    }

    /** Forgets every position (the cache is overwritten from position 0 on). */
    public void reset() {
        position = 0;
    }

    /** Moves the position back to {@code position} (keeps the cache below it), e.g. to re-run a suffix. */
    public void rewind(int position) {
        if (position < 0 || position > this.position) {
            throw new IllegalArgumentException("cannot rewind to position " + position + " from " + this.position);
        }
        this.position = position;
    }

    /**
     * @return a buffer for {@code rows} rows of logits; the one-row buffer grows, once, to (maxBatch, vocab)
     *         the first time every row's logits are asked for (perplexity, tests), so decoding never pays for it
     */
    float[] logitsFor(int rows) {
        if (logits.length < rows * vocab) {
            logits = new float[maxBatch * vocab];
        }
        return logits;
    }
}
