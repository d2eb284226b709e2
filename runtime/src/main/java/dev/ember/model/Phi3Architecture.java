package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;

/**
 * {@code phi3}: Phi-3 / Phi-3.5 mini. The llama block with fused matrices ({@code attn_qkv}: q, k, v rows;
 * {@code ffn_up}: gate, up rows), NeoX rope, no biases, and {@code phi3.attention.sliding_window} on every layer
 * when it is not 0 (llama.cpp's {@code build_phi3}). LongRoPE factor tensors are refused: Ember does not run them.
 */
final class Phi3Architecture implements Architecture {
    @Override
    public String name() {
        return "phi3";
    }

    @Override
    public Config config(GgufMetadata metadata) {
        return Config.read(metadata, RopeStyle.NEOX)
                .withSlidingWindow(metadata.getInt("phi3.attention.sliding_window", 0), 1);
    }

    @Override
    public Weights weights(GgufFile file, Config config) {
        TensorSource src = new TensorSource(file, config);
        src.refuse(TensorNames.ROPE_FACTORS_LONG, "LongRoPE");
        src.refuse(TensorNames.ROPE_FACTORS_SHORT, "LongRoPE");
        return Weights.map(file, config, LayerWeights.Extras.FUSED, false, false);
    }
}
