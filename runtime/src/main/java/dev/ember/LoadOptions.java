package dev.ember;

/**
 * How to load a model; every value has a default.
 *
 * <pre>
 * Model model = Model.load(path, LoadOptions.builder().threads(4).kernels("scalar").build());
 * </pre>
 *
 * @param threads threads the model's worker pool splits each operation over, the caller's included;
 *                0 = every available core
 * @param kernels the kernel implementation by name ("scalar", "simd", "native"); null = the
 *                {@code ember.kernels} system property, else the best available
 * @param repack  whether the kernels may keep repacked copies of the weights (the native kernels' interleaved
 *                rows and neuron bundles: faster, and the copied matrices' size again in memory); false for
 *                memory-tight boards
 */
public record LoadOptions(int threads, String kernels, boolean repack) {
    /** Checks the values. @throws EmberException if threads is negative */
    public LoadOptions {
        if (threads < 0) {
            throw new EmberException("threads must be >= 1 (or 0 for every core), got " + threads);
        }
        if (kernels != null && kernels.isBlank()) {
            kernels = null;
        }
    }

    /** Options with repacked copies allowed. */
    public LoadOptions(int threads, String kernels) {
        this(threads, kernels, true);
    }

    /** @return the defaults: every core, the best kernels, repacked copies allowed */
    public static LoadOptions defaults() {
        return new LoadOptions(0, null, true);
    }

    /** @return a builder starting from the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the threads to use: {@link #threads()}, or the available cores when it is 0 */
    public int resolvedThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** Builds {@link LoadOptions}. */
    public static final class Builder {
        private int threads;
        private String kernels;
        private boolean repack = true;

        private Builder() {
        }

        /** @return this, with the thread count (0 = every core) */
        public Builder threads(int value) {
            threads = value;
            return this;
        }

        /** @return this, with the kernels by name (null = automatic) */
        public Builder kernels(String value) {
            kernels = value;
            return this;
        }

        /** @return this, allowing repacked copies of the weights or not (default: allowed) */
        public Builder repack(boolean value) {
            repack = value;
            return this;
        }

        /** @return the options */
        public LoadOptions build() {
            return new LoadOptions(threads, kernels, repack);
        }
    }
}
