package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;

/**
 * {@code gemma2}: Gemma 2 as llama.cpp's {@code build_gemma2} runs it. The embedding is scaled by sqrt(dim);
 * RMSNorms before and after attention and the FFN; a GELU-gated FFN (ggml's fp16 GELU); attention scores and the
 * final logits softcapped; a sliding window on the even layers (default 4096, default caps 50 / 30); NeoX rope;
 * the output tied to the token embedding. Queries are scaled by 1/sqrt(key_length), except for the 46-layer
 * (27B) model: 1/sqrt(dim / heads), as llama.cpp decides by the layer count (no query_pre_attn_scalar key).
 */
final class Gemma2Architecture implements Architecture {
    @Override
    public String name() {
        return "gemma2";
    }

    @Override
    public Config config(GgufMetadata m) {
        Config c = Config.read(m, RopeStyle.NEOX);
        float query = queryScale(c, 46);
        return c.withSlidingWindow(m.getInt("gemma2.attention.sliding_window", 4096), 2)
                .withGemma("gelu", (float) Math.sqrt((float) c.dim()), query,
                        m.getFloat("gemma2.attn_logit_softcapping", 50f),
                        m.getFloat("gemma2.final_logit_softcapping", 30f));
    }

    /**
     * llama.cpp's query scale for gemma: 1/sqrt(key_length), except the 27B model, recognized by its layer count
     * ({@code largestLayers}), where it is 1/sqrt(dim / heads) (gemma's query_pre_attn_scalar, not in the file).
     */
    static float queryScale(Config c, int largestLayers) {
        return 1f / (float) Math.sqrt((float) (c.layers() == largestLayers ? c.dim() / c.heads() : c.headSize()));
    }

    @Override
    public Weights weights(GgufFile file, Config config) {
        return Weights.map(file, config, LayerWeights.Extras.POST_NORMS, false, false, true);
    }
}
