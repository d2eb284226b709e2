package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;

/**
 * The per-architecture seam: how one {@code general.architecture} maps GGUF metadata onto {@link Config} and
 * GGUF tensors onto the shared transformer block. An implementation only maps names and flags; the machinery
 * lives in {@link Transformer}. Implementations are stateless.
 */
public interface Architecture {
    /** @return the {@code general.architecture} value this class maps, e.g. "llama" */
    String name();

    /**
     * @return the hyperparameters
     * @throws dev.ember.gguf.GgufFormatException naming a required key that is missing
     * @throws UnsupportedModelException for a variant Ember does not run (e.g. YaRN rope scaling)
     */
    Config config(GgufMetadata metadata);

    /**
     * @return the tensors, shapes checked against {@code config}
     * @throws dev.ember.gguf.GgufFormatException naming a tensor that is missing or misshapen
     */
    Weights weights(GgufFile file, Config config);
}
