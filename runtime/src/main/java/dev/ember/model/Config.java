package dev.ember.model;

import dev.ember.gguf.GgufMetadata;

import java.util.List;

/**
 * The hyperparameters of a llama-family model, read from {@code <arch>.*} GGUF metadata with
 * llama.cpp's defaults for absent optional keys. Immutable: the blueprint that a model's weights
 * and every session's buffers are sized from.
 *
 * @param architecture      {@code general.architecture}, e.g. "llama"
 * @param dim               embedding length (model dimension)
 * @param layers            transformer blocks
 * @param heads             query heads
 * @param kvHeads           key/value heads (GQA when fewer than heads)
 * @param headSize          dimension per head ({@code <arch>.attention.key_length}, default dim / heads)
 * @param ffnDim            feed-forward hidden size
 * @param contextLength     the context the model was trained with
 * @param vocabSize         tokens in the vocabulary
 * @param ropeDim           dimensions rotated by RoPE per head
 * @param ropeTheta         RoPE frequency base
 * @param rmsNormEps        RMSNorm epsilon
 * @param ffnActivation     "silu" (default) or "relu" (Ember's {@code ember.ffn_activation})
 */
public record Config(String architecture, int dim, int layers, int heads, int kvHeads, int headSize, int ffnDim,
                     int contextLength, int vocabSize, int ropeDim, float ropeTheta, float rmsNormEps,
                     String ffnActivation) {

    /** Architectures whose hyperparameters this record describes. */
    public static final List<String> SUPPORTED_ARCHITECTURES = List.of("llama", "qwen2", "qwen3");

    /** Ember's own metadata key for the FFN activation of its ReLU test models. */
    public static final String FFN_ACTIVATION_KEY = "ember.ffn_activation";

    /** @return true if {@code general.architecture} names a supported architecture */
    public static boolean isSupported(GgufMetadata m) {
        return SUPPORTED_ARCHITECTURES.contains(m.getString("general.architecture", ""));
    }

    /**
     * Reads the config.
     *
     * @throws dev.ember.gguf.GgufFormatException naming the key if a required key is missing or mistyped
     */
    public static Config fromGguf(GgufMetadata m) {
        String arch = m.getString("general.architecture");
        String p = arch + ".";
        int dim = m.getInt(p + "embedding_length");
        int heads = m.getInt(p + "attention.head_count");
        int kvHeads = m.getInt(p + "attention.head_count_kv", heads);
        int headSize = m.getInt(p + "attention.key_length", dim / heads);
        int vocab = m.contains(p + "vocab_size") ? m.getInt(p + "vocab_size")
                : m.contains("tokenizer.ggml.tokens") ? m.getStringArray("tokenizer.ggml.tokens").length : 0;
        return new Config(arch, dim, m.getInt(p + "block_count"), heads, kvHeads, headSize,
                m.getInt(p + "feed_forward_length"), m.getInt(p + "context_length"), vocab,
                m.getInt(p + "rope.dimension_count", headSize), m.getFloat(p + "rope.freq_base", 10000f),
                m.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f),
                m.getString(FFN_ACTIVATION_KEY, "silu"));
    }

    /** @return key/value dimension: kvHeads * headSize */
    public int kvDim() {
        return kvHeads * headSize;
    }
}
