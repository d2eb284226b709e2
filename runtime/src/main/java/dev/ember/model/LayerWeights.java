package dev.ember.model;

import dev.ember.tensor.Tensor;

/**
 * One transformer block's tensors. Matrices are views of the mapped file, shaped (rows, cols) = ggml
 * [cols, rows]: a matvec reads {@code rows} rows of {@code cols} values. Norm weights and biases are small and
 * decoded to floats at load. Optional tensors are null when the architecture or file has none.
 *
 * <p>The FFN is {@code ffnDown · (act(ffnGate · x) ⊙ (ffnUp · x))}: neuron i owns row i of ffnGate and ffnUp and
 * column i of ffnDown (which the sparsity module transposes to a neuron-major copy).
 *
 * @param attnNorm       attention RMSNorm weight (dim)
 * @param attnQ          query projection (qDim, dim), qDim = heads * headSize
 * @param attnK          key projection (kvDim, dim)
 * @param attnV          value projection (kvDim, dim)
 * @param attnOutput     attention output projection (dim, qDim)
 * @param attnQBias      query bias (qDim), or null; required by qwen2, optional for llama
 * @param attnKBias      key bias (kvDim), or null; as attnQBias
 * @param attnVBias      value bias (kvDim), or null; as attnQBias
 * @param attnOutputBias output projection bias (dim), or null; optional for llama
 * @param attnQNorm      per-head query RMSNorm weight (headSize), or null; qwen3 only
 * @param attnKNorm      per-head key RMSNorm weight (headSize), or null; qwen3 only
 * @param ffnNorm        FFN RMSNorm weight (dim)
 * @param ffnGate        gate projection W1 (ffnDim, dim)
 * @param ffnUp          up projection W3 (ffnDim, dim)
 * @param ffnDown        down projection W2 (dim, ffnDim)
 * @param postAttnNorm   RMSNorm weight of the attention output before the residual (dim), or null; gemma2
 * @param postFfnNorm    RMSNorm weight of the FFN output before the residual (dim), or null; gemma2
 */
public record LayerWeights(float[] attnNorm, Tensor attnQ, Tensor attnK, Tensor attnV, Tensor attnOutput,
                           float[] attnQBias, float[] attnKBias, float[] attnVBias, float[] attnOutputBias,
                           float[] attnQNorm, float[] attnKNorm,
                           float[] ffnNorm, Tensor ffnGate, Tensor ffnUp, Tensor ffnDown,
                           float[] postAttnNorm, float[] postFfnNorm) {

    /** What an architecture asks of a block beyond the common tensors. */
    enum Extras {
        /** No q/k norm; q/k/v/output biases used if the file has them (llama). */
        OPTIONAL_BIASES,
        /** q/k/v biases required, no output bias (qwen2). */
        QKV_BIASES,
        /** Per-head q/k RMSNorm required, no biases (qwen3). */
        QK_NORM,
        /**
         * Fused matrices, no biases (phi3): {@code attn_qkv} holds q's rows, then k's, then v's; {@code ffn_up}
         * holds the gate's rows, then up's. Each part becomes a view of its rows, so the forward pass, the
         * kernels and the sparse FFN see the usual separate matrices.
         */
        FUSED,
        /** RMSNorms after attention and after the FFN too, no biases (gemma2). */
        POST_NORMS,
        /** Both: per-head q/k RMSNorm and the norms after attention and the FFN (gemma3). */
        QK_NORM_POST_NORMS
    }

    /**
     * Maps block {@code i}'s tensors, checking each shape against the config (llama.cpp's
     * {@code load_arch_tensors} loop body for the llama family).
     */
    static LayerWeights load(TensorSource src, Config c, int i, Extras extras) {
        TensorNames.Block b = TensorNames.block(i);
        int dim = c.dim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        for (String bias : b.ffnBiases()) {
            src.refuse(bias, "FFN biases");
        }
        float[] qBias = null;
        float[] kBias = null;
        float[] vBias = null;
        float[] oBias = null;
        if (extras == Extras.OPTIONAL_BIASES) {
            qBias = src.optionalVector(b.attnQBias(), qDim);
            kBias = src.optionalVector(b.attnKBias(), kvDim);
            vBias = src.optionalVector(b.attnVBias(), kvDim);
            oBias = src.optionalVector(b.attnOutputBias(), dim);
        } else if (extras == Extras.QKV_BIASES) {
            qBias = src.vector(b.attnQBias(), qDim);
            kBias = src.vector(b.attnKBias(), kvDim);
            vBias = src.vector(b.attnVBias(), kvDim);
        }
        boolean qkNorm = extras == Extras.QK_NORM || extras == Extras.QK_NORM_POST_NORMS;
        boolean postNorms = extras == Extras.POST_NORMS || extras == Extras.QK_NORM_POST_NORMS;
        Tensor q;
        Tensor k;
        Tensor v;
        Tensor gate;
        Tensor up;
        if (extras == Extras.FUSED) { // phi3: row views of attn_qkv (q, k, v) and of ffn_up (gate, up)
            Tensor qkv = src.matrix(b.attnQkv(), dim, qDim + 2 * kvDim);
            Tensor gateUp = src.matrix(b.ffnUp(), dim, 2 * c.ffnDim());
            q = qkv.rowSlice(b.attnQ(), 0, qDim);
            k = qkv.rowSlice(b.attnK(), qDim, kvDim);
            v = qkv.rowSlice(b.attnV(), qDim + kvDim, kvDim);
            gate = gateUp.rowSlice(b.ffnGate(), 0, c.ffnDim());
            up = gateUp.rowSlice(b.ffnUp(), c.ffnDim(), c.ffnDim());
        } else {
            q = src.matrix(b.attnQ(), dim, qDim);
            k = src.matrix(b.attnK(), dim, kvDim);
            v = src.matrix(b.attnV(), dim, kvDim);
            gate = src.matrix(b.ffnGate(), dim, c.ffnDim());
            up = src.matrix(b.ffnUp(), dim, c.ffnDim());
        }
        return new LayerWeights(src.vector(b.attnNorm(), dim), q, k, v, src.matrix(b.attnOutput(), qDim, dim),
                qBias, kBias, vBias, oBias,
                qkNorm ? src.vector(b.attnQNorm(), c.headSize()) : null,
                qkNorm ? src.vector(b.attnKNorm(), c.headSize()) : null,
                src.vector(b.ffnNorm(), dim), gate, up, src.matrix(b.ffnDown(), c.ffnDim(), dim),
                postNorms ? src.vector(b.postAttnNorm(), dim) : null,
                postNorms ? src.vector(b.postFfnNorm(), dim) : null);
    }
}
