package dev.ember.sparsity;

import dev.ember.kernel.Activation;

/** The FFN activations on one value, as the kernels compute them (for selectors and calibration). */
final class Activations {
    private Activations() {
    }

    static float apply(Activation act, float x) {
        return switch (act) {
            case SILU -> x / (1f + (float) Math.exp(-x));
            case RELU -> Math.max(0f, x);
            case GELU -> 0.5f * x * (1f + (float) Math.tanh(0.7978845608 * (x + 0.044715 * x * x * x)));
        };
    }
}
