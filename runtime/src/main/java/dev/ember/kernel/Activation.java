package dev.ember.kernel;

/** The FFN activation applied to the gate projection before the gated product. */
public enum Activation {
    /** x * sigmoid(x): Llama, Mistral, Qwen. */
    SILU,
    /** max(0, x): ProSparse-style models (Ember's {@code ember.ffn_activation = relu}). */
    RELU,
    /** GELU, tanh approximation as ggml computes it. */
    GELU;

    /**
     * @return act(x) for one value, as the reference kernels compute it inside {@code gatedActivation} (so a
     *         value compared against a threshold here is the value the FFN multiplies)
     */
    public float apply(float x) {
        return switch (this) {
            case SILU -> FloatOps.silu(x);
            case RELU -> x > 0f ? x : 0f;
            case GELU -> x <= -10f ? 0f : x >= 10f ? x : FloatOps.gelu(x);
        };
    }

    /** @return the activation named by metadata ("silu", "relu", "gelu"), case-insensitive */
    public static Activation fromName(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "silu", "swiglu" -> SILU;
            case "relu" -> RELU;
            case "gelu" -> GELU;
            default -> throw new dev.ember.EmberException("unknown FFN activation '" + name
                    + "' (supported: silu, relu, gelu)");
        };
    }
}
