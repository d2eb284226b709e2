package dev.ember;

/**
 * How to size a session; every value has a default.
 *
 * <pre>
 * Session session = model.newSession(SessionOptions.builder().contextLength(2048).build());
 * </pre>
 *
 * @param contextLength positions the KV cache holds; 0 = the model's context, at most
 *                      {@value #DEFAULT_MAX_CONTEXT}
 * @param maxBatch      the most prompt tokens evaluated in one batch (default {@value #DEFAULT_MAX_BATCH})
 * @param sparsity      the feed-forward strategy, {@code method[:arguments]}: {@value #DENSE} (the default,
 *                      dense) or a method of the sparsity module (relu, chess:PROFILE, coreinfer[:alpha,beta],
 *                      predictor:PROFILE, synthetic:S[:gate][:zipf[=A]]); checked when the session is made
 */
public record SessionOptions(int contextLength, int maxBatch, String sparsity) {
    /** The default context is the model's, capped at this many positions to bound the cache's memory. */
    public static final int DEFAULT_MAX_CONTEXT = 4096;
    /** The default largest prefill batch. */
    public static final int DEFAULT_MAX_BATCH = 512;
    /** The dense feed-forward: every neuron of every layer. */
    public static final String DENSE = "none";

    /** Checks the values. @throws EmberException naming the bad value */
    public SessionOptions {
        if (contextLength < 0) {
            throw new EmberException("context length must be > 0 (or 0 for the model's), got " + contextLength);
        }
        if (maxBatch < 1) {
            throw new EmberException("max batch must be >= 1, got " + maxBatch);
        }
        sparsity = sparsity == null || sparsity.isBlank() ? DENSE : sparsity.strip();
        Sparsity.checkMethod(sparsity);
    }

    /** @return the defaults */
    public static SessionOptions defaults() {
        return new SessionOptions(0, DEFAULT_MAX_BATCH, DENSE);
    }

    /** @return a builder starting from the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link SessionOptions}. */
    public static final class Builder {
        private int contextLength;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private String sparsity = DENSE;

        private Builder() {
        }

        /** @return this, with the context length (0 = the model's, capped) */
        public Builder contextLength(int value) {
            contextLength = value;
            return this;
        }

        /** @return this, with the largest prefill batch */
        public Builder maxBatch(int value) {
            maxBatch = value;
            return this;
        }

        /** @return this, with the sparsity spec ("none", "relu", "chess:model.sparsity.gguf", ...) */
        public Builder sparsity(String value) {
            sparsity = value;
            return this;
        }

        /** @return the options */
        public SessionOptions build() {
            return new SessionOptions(contextLength, maxBatch, sparsity);
        }
    }
}
