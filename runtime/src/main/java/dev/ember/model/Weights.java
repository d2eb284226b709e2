package dev.ember.model;

/** The model's tensors, views into the mapped file (stub: being written). */
public final class Weights {
    private Weights() {
    }

    /** @return the hyperparameters the weights were mapped with */
    public Config config() {
        throw new UnsupportedOperationException("being written");
    }
}
