package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;

/**
 * {@code qwen3}: the llama block with a per-head RMSNorm on q and k ({@code attn_q_norm}, {@code attn_k_norm},
 * applied before rope), no biases, NeoX (split-half) rope. The head size comes from
 * {@code qwen3.attention.key_length}, so heads * headSize may differ from the model dimension.
 */
final class Qwen3Architecture implements Architecture {
    @Override
    public String name() {
        return "qwen3";
    }

    @Override
    public Config config(GgufMetadata metadata) {
        return Config.read(metadata, RopeStyle.NEOX);
    }

    @Override
    public Weights weights(GgufFile file, Config config) {
        return Weights.map(file, config, LayerWeights.Extras.QK_NORM, false, false);
    }
}
