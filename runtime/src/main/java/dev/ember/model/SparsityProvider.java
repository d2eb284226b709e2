package dev.ember.model;

import dev.ember.gguf.GgufFile;

import java.util.Set;

/**
 * A source of sparse {@link FeedForward} strategies, found through {@code ServiceLoader}: the runtime knows
 * only the dense FFN, the sparsity module provides the rest. A spec is {@code method[:arguments]}, e.g.
 * {@code relu}, {@code chess:model.sparsity.gguf}, {@code synthetic:0.7:gate}; the runtime picks the
 * provider by the method and hands it the whole spec.
 */
public interface SparsityProvider {
    /** @return the methods this provider runs (the text of a spec before its first ':') */
    Set<String> methods();

    /**
     * Makes the factory for a new session with a spec on a model; the runtime calls it for every session, so a
     * profile is read as it is on disk then. Preparation that depends on the model alone (a neuron-major copy of
     * W_down) should be cached by the provider, per model.
     *
     * @param spec      the whole spec, its method one of {@link #methods()}
     * @param weights   the model's weights
     * @param model     the model's open GGUF file (profiles are checked against it; a sparse-ready file holds
     *                  the method's layouts): the model's own mapping, open as long as the model
     * @throws IllegalArgumentException naming the problem, for a malformed spec, a missing or mismatched
     *                                  profile, or a model the method cannot run (e.g. relu on a SiLU model)
     */
    FeedForward.Factory factory(String spec, Weights weights, GgufFile model);

    /**
     * Makes the attention projections for a spec {@code attn:...} (input sparsity, TEAL), for providers whose
     * {@link #methods()} include "attn".
     *
     * @throws IllegalArgumentException naming the problem
     */
    default Projections.Factory projections(String spec, Weights weights, GgufFile model) {
        throw new IllegalArgumentException("this provider has no attention-side sparsity");
    }
}
