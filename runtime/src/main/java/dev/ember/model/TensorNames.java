package dev.ember.model;

/**
 * Every GGUF tensor name the model reads, built in one place (llama.cpp's {@code LLM_TENSOR_NAMES} for the
 * llama family): {@code TensorNames.block(3).attnQ()} is {@code "blk.3.attn_q.weight"}. Nothing else in
 * the model concatenates tensor names.
 */
public final class TensorNames {
    /** Token embedding, ggml [dim, vocab]. */
    public static final String TOKEN_EMBD = "token_embd.weight";
    /** Final RMSNorm weight, [dim]. */
    public static final String OUTPUT_NORM = "output_norm.weight";
    /** Output projection (lm head), [dim, vocab]; absent when tied to the token embedding. */
    public static final String OUTPUT = "output.weight";
    /** Optional output bias, [vocab] (some qwen2 files). */
    public static final String OUTPUT_BIAS = "output.bias";
    /** Llama 3 rope frequency factors, [ropeDim / 2]: one tensor shared by every layer. */
    public static final String ROPE_FREQS = "rope_freqs.weight";
    /** LongRoPE factors for long contexts (phi3 128k), which Ember does not run. */
    public static final String ROPE_FACTORS_LONG = "rope_factors_long.weight";
    /** LongRoPE factors for short contexts (phi3 128k). */
    public static final String ROPE_FACTORS_SHORT = "rope_factors_short.weight";

    private TensorNames() {
    }

    /** @return the names of block {@code i}'s tensors */
    public static Block block(int i) {
        return new Block(i);
    }

    /**
     * The tensor names of one transformer block.
     *
     * @param index the block number, as in {@code blk.N.}
     */
    public record Block(int index) {
        private String name(String tensor, String kind) {
            return "blk." + index + "." + tensor + "." + kind;
        }

        /** @return attention RMSNorm weight, [dim] */
        public String attnNorm() {
            return name("attn_norm", "weight");
        }

        /** @return query projection, [dim, qDim] */
        public String attnQ() {
            return name("attn_q", "weight");
        }

        /** @return key projection, [dim, kvDim] */
        public String attnK() {
            return name("attn_k", "weight");
        }

        /** @return value projection, [dim, kvDim] */
        public String attnV() {
            return name("attn_v", "weight");
        }

        /** @return RMSNorm weight of the attention output (gemma2), [dim] */
        public String postAttnNorm() {
            return name("post_attention_norm", "weight");
        }

        /** @return RMSNorm weight of the FFN output (gemma2), [dim] */
        public String postFfnNorm() {
            return name("post_ffw_norm", "weight");
        }

        /** @return fused query-key-value projection (phi3), [dim, qDim + 2 kvDim]: q rows, then k, then v */
        public String attnQkv() {
            return name("attn_qkv", "weight");
        }

        /** @return attention output projection, [qDim, dim] */
        public String attnOutput() {
            return name("attn_output", "weight");
        }

        /** @return query bias, [qDim] */
        public String attnQBias() {
            return name("attn_q", "bias");
        }

        /** @return key bias, [kvDim] */
        public String attnKBias() {
            return name("attn_k", "bias");
        }

        /** @return value bias, [kvDim] */
        public String attnVBias() {
            return name("attn_v", "bias");
        }

        /** @return attention output bias, [dim] */
        public String attnOutputBias() {
            return name("attn_output", "bias");
        }

        /** @return per-head query RMSNorm weight, [headSize] (qwen3) */
        public String attnQNorm() {
            return name("attn_q_norm", "weight");
        }

        /** @return per-head key RMSNorm weight, [headSize] (qwen3) */
        public String attnKNorm() {
            return name("attn_k_norm", "weight");
        }

        /** @return FFN RMSNorm weight, [dim] */
        public String ffnNorm() {
            return name("ffn_norm", "weight");
        }

        /** @return FFN gate projection W1, [dim, ffnDim] */
        public String ffnGate() {
            return name("ffn_gate", "weight");
        }

        /** @return FFN up projection W3, [dim, ffnDim] */
        public String ffnUp() {
            return name("ffn_up", "weight");
        }

        /** @return FFN down projection W2, [ffnDim, dim] */
        public String ffnDown() {
            return name("ffn_down", "weight");
        }

        /** @return the FFN biases llama.cpp allows on llama, which Ember refuses rather than ignores */
        public String[] ffnBiases() {
            return new String[] {name("ffn_gate", "bias"), name("ffn_up", "bias"), name("ffn_down", "bias")};
        }
    }
}
