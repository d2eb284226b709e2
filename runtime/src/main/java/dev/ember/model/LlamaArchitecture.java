package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;

/**
 * {@code llama}: Llama 2/3, TinyLlama, Mistral-style GQA. Normal (adjacent-pair) rope; Llama 3's rope scaling
 * arrives as the {@code rope_freqs.weight} frequency factors; optional q/k/v/output biases as llama.cpp allows;
 * output tied to the token embedding when {@code output.weight} is absent.
 */
final class LlamaArchitecture implements Architecture {
    @Override
    public String name() {
        return "llama";
    }

    @Override
    public Config config(GgufMetadata metadata) {
        return Config.read(metadata, RopeStyle.NORMAL);
    }

    @Override
    public Weights weights(GgufFile file, Config config) {
        return Weights.map(file, config, LayerWeights.Extras.OPTIONAL_BIASES, true, false);
    }
}
