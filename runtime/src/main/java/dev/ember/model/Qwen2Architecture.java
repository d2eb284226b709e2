package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;

/**
 * {@code qwen2}: Qwen 2 / 2.5. The llama block with q/k/v biases (required, no output-projection bias), NeoX
 * (split-half) rope, an optional {@code output.bias}, output tied when {@code output.weight} is absent.
 */
final class Qwen2Architecture implements Architecture {
    @Override
    public String name() {
        return "qwen2";
    }

    @Override
    public Config config(GgufMetadata metadata) {
        return Config.read(metadata, RopeStyle.NEOX);
    }

    @Override
    public Weights weights(GgufFile file, Config config) {
        return Weights.map(file, config, LayerWeights.Extras.QKV_BIASES, false, true);
    }
}
