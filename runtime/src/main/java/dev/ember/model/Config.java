package dev.ember.model;

import dev.ember.EmberException;
import dev.ember.gguf.GgufMetadata;
import dev.ember.kernel.Activation;

import java.util.List;
import java.util.Locale;

/**
 * The hyperparameters of a llama-family model, read from {@code <arch>.*} GGUF metadata with
 * llama.cpp's defaults for absent optional keys. Immutable: the blueprint that a model's weights
 * and every session's buffers are sized from. What differs per architecture (the rope style) is
 * supplied by its {@link Architecture}; the keys themselves are read here, in one place.
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
 * @param ropeStyle         which dimensions RoPE pairs: adjacent (llama) or split halves (NeoX: qwen2, qwen3)
 * @param ropeFreqScale     linear rope scaling: positions are multiplied by this (1 / {@code rope.scaling.factor})
 * @param ropeScaling       {@code rope.scaling.type} ("none", "linear", "yarn", ...); Ember runs none and linear
 * @param slidingWindow     keys a query of a windowed layer sees, its own included (0: no window)
 * @param windowPeriod      which layers are windowed: every layer when 1 (phi3), else layer l when
 *                          {@code l % windowPeriod != windowPeriod - 1} (2: the even ones, as gemma2)
 * @param embeddingScale    the token embedding is multiplied by this (gemma: sqrt(dim)); 1 for none
 * @param queryScale        queries are multiplied by this and the scores left unscaled (gemma's rule); 0 for the
 *                          usual 1/sqrt(headSize) on the scores
 * @param attnSoftcap       attention scores are capped as {@code c * tanh(s / c)} (gemma2); 0 for none
 * @param finalSoftcap      logits are capped the same way (gemma2); 0 for none
 * @param ropeThetaLocal    the rope base of the windowed layers, without linear scaling (gemma3: 10000); 0 when
 *                          every layer uses {@code ropeTheta}
 */
public record Config(String architecture, int dim, int layers, int heads, int kvHeads, int headSize, int ffnDim,
                     int contextLength, int vocabSize, int ropeDim, float ropeTheta, float rmsNormEps,
                     String ffnActivation, RopeStyle ropeStyle, float ropeFreqScale, String ropeScaling,
                     int slidingWindow, int windowPeriod, float embeddingScale, float queryScale,
                     float attnSoftcap, float finalSoftcap, float ropeThetaLocal) {

    /** The rope scaling types Ember runs: YaRN and LongRoPE also change the angles per dimension. */
    public static final List<String> SUPPORTED_ROPE_SCALING = List.of("none", "linear");

    /** Architectures whose hyperparameters this record describes (the {@link Architectures} registry). */
    public static final List<String> SUPPORTED_ARCHITECTURES = List.of("llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3");

    /** Ember's own metadata key for the FFN activation of its ReLU test models. */
    public static final String FFN_ACTIVATION_KEY = "ember.ffn_activation";

    /** Checks the shape relations every layer relies on. */
    public Config {
        if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headSize <= 0 || ffnDim <= 0) {
            throw new EmberException(architecture + " model: dimensions must be positive (dim " + dim + ", layers "
                    + layers + ", heads " + heads + ", kv heads " + kvHeads + ", head size " + headSize + ", ffn "
                    + ffnDim + ")");
        }
        if (heads % kvHeads != 0) {
            throw new EmberException(architecture + " model: " + heads + " query heads are not a multiple of "
                    + kvHeads + " kv heads");
        }
        if (ropeDim <= 0 || ropeDim > headSize || ropeDim % 2 != 0) {
            throw new EmberException(architecture + " model: rope dimension " + ropeDim
                    + " must be even and at most the head size " + headSize);
        }
        if (ropeStyle == null || ropeScaling == null) {
            throw new EmberException(architecture + " model: no rope style or scaling");
        }
        if (slidingWindow < 0 || windowPeriod < 1) {
            throw new EmberException(architecture + " model: sliding window " + slidingWindow + " every "
                    + windowPeriod + " layers");
        }
    }

    /** The original 13-value form: normal (llama) rope without scaling. */
    public Config(String architecture, int dim, int layers, int heads, int kvHeads, int headSize, int ffnDim,
                  int contextLength, int vocabSize, int ropeDim, float ropeTheta, float rmsNormEps,
                  String ffnActivation) {
        this(architecture, dim, layers, heads, kvHeads, headSize, ffnDim, contextLength, vocabSize, ropeDim,
                ropeTheta, rmsNormEps, ffnActivation, RopeStyle.NORMAL, 1f, "none", 0, 1, 1f, 0f, 0f, 0f, 0f);
    }

    /** @return this config with a sliding window of {@code window} keys on the layers {@code period} selects */
    public Config withSlidingWindow(int window, int period) {
        return new Config(architecture, dim, layers, heads, kvHeads, headSize, ffnDim, contextLength, vocabSize,
                ropeDim, ropeTheta, rmsNormEps, ffnActivation, ropeStyle, ropeFreqScale, ropeScaling, window, period,
                embeddingScale, queryScale, attnSoftcap, finalSoftcap, ropeThetaLocal);
    }

    /** @return this config with the windowed layers on their own rope base, unscaled (gemma3) */
    public Config withLocalRope(float thetaLocal) {
        return new Config(architecture, dim, layers, heads, kvHeads, headSize, ffnDim, contextLength, vocabSize,
                ropeDim, ropeTheta, rmsNormEps, ffnActivation, ropeStyle, ropeFreqScale, ropeScaling, slidingWindow,
                windowPeriod, embeddingScale, queryScale, attnSoftcap, finalSoftcap, thetaLocal);
    }

    /** @return this config with gemma's FFN activation, embedding and query scales and softcaps */
    public Config withGemma(String activation, float embedding, float query, float attnCap, float finalCap) {
        return new Config(architecture, dim, layers, heads, kvHeads, headSize, ffnDim, contextLength, vocabSize,
                ropeDim, ropeTheta, rmsNormEps, activation, ropeStyle, ropeFreqScale, ropeScaling, slidingWindow,
                windowPeriod, embedding, query, attnCap, finalCap, ropeThetaLocal);
    }

    /** @return whether layer {@code layer} attends through the sliding window */
    public boolean windowed(int layer) {
        return slidingWindow > 0 && (windowPeriod == 1 || layer % windowPeriod != windowPeriod - 1);
    }

    /** @return the first cache position a query at {@code pos} of layer {@code layer} attends to */
    public int attentionStart(int layer, int pos) {
        return windowed(layer) ? Math.max(0, pos - slidingWindow + 1) : 0;
    }

    /** @return true if {@code general.architecture} names a supported architecture */
    public static boolean isSupported(GgufMetadata m) {
        return SUPPORTED_ARCHITECTURES.contains(m.getString("general.architecture", ""));
    }

    /**
     * Reads the config through the architecture that {@code general.architecture} names.
     *
     * @throws UnsupportedModelException if the architecture is not supported
     * @throws dev.ember.gguf.GgufFormatException naming the key if a required key is missing or mistyped
     */
    public static Config fromGguf(GgufMetadata m) {
        return Architectures.of(m).config(m);
    }

    /**
     * Reads the keys every llama-family architecture shares, as llama.cpp's {@code load_hparams} does.
     *
     * @param m         the metadata
     * @param ropeStyle the architecture's rope style (llama.cpp's {@code llama_model_rope_type})
     */
    static Config read(GgufMetadata m, RopeStyle ropeStyle) {
        String arch = m.getString("general.architecture");
        String p = arch + ".";
        int dim = m.getInt(p + "embedding_length");
        int heads = m.getInt(p + "attention.head_count");
        int kvHeads = m.getInt(p + "attention.head_count_kv", heads);
        int headSize = m.getInt(p + "attention.key_length", dim / heads);
        int valueSize = m.getInt(p + "attention.value_length", headSize);
        if (valueSize != headSize) {
            throw new UnsupportedModelException(arch + " model: value head size " + valueSize
                    + " differs from key head size " + headSize + "; Ember needs them equal");
        }
        int vocab = m.contains(p + "vocab_size") ? m.getInt(p + "vocab_size")
                : m.contains("tokenizer.ggml.tokens") ? m.getStringArray("tokenizer.ggml.tokens").length : 0;
        // llama.cpp: freq_scale = 1 / rope.scaling.factor (or the older rope.scale_linear), 1 when absent or 0,
        // and 1 when the scaling type is "none"
        float factor = m.contains(p + "rope.scaling.factor") ? m.getFloat(p + "rope.scaling.factor")
                : m.getFloat(p + "rope.scale_linear", 0f);
        String scaling = m.getString(p + "rope.scaling.type", factor != 0f ? "linear" : "none")
                .toLowerCase(Locale.ROOT);
        float freqScale = scaling.equals("none") || factor == 0f ? 1f : 1f / factor;
        return new Config(arch, dim, m.getInt(p + "block_count"), heads, kvHeads, headSize,
                m.getInt(p + "feed_forward_length"), m.getInt(p + "context_length"), vocab,
                m.getInt(p + "rope.dimension_count", headSize), m.getFloat(p + "rope.freq_base", 10000f),
                m.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f),
                m.getString(FFN_ACTIVATION_KEY, "silu"), ropeStyle, freqScale, scaling, 0, 1, 1f, 0f, 0f, 0f, 0f);
    }

    /** @return key/value dimension: kvHeads * headSize */
    public int kvDim() {
        return kvHeads * headSize;
    }

    /** @return query dimension: heads * headSize (differs from dim in qwen3) */
    public int qDim() {
        return heads * headSize;
    }

    /**
     * @throws UnsupportedModelException if the model needs something the transformer does not do (YaRN or
     *         LongRoPE scaling, an unknown FFN activation): refused at load rather than run wrongly
     */
    public void checkRunnable() {
        if (!SUPPORTED_ROPE_SCALING.contains(ropeScaling)) {
            throw new UnsupportedModelException(architecture + " model: rope scaling '" + ropeScaling
                    + "' is not supported (supported: none, linear, and Llama 3 frequency factors)");
        }
        try {
            activation();
        } catch (EmberException e) {
            throw new UnsupportedModelException(architecture + " model: " + e.getMessage());
        }
    }

    /** @return the FFN activation as the kernels name it */
    public Activation activation() {
        return Activation.fromName(ffnActivation);
    }
}
