package dev.ember.sampling;

import dev.ember.EmberException;

/**
 * What to sample with, as named values with llama.cpp's defaults; {@link SamplerChain#from} turns it
 * into a chain. Build one with {@link #builder()}:
 *
 * <pre>
 * SamplerSpec spec = SamplerSpec.builder().temperature(0.7f).topK(50).seed(42).build();
 * </pre>
 *
 * @param temperature   0 = greedy; default 0.8
 * @param topK          keep the k best; <= 0 disables; default 40
 * @param topP          nucleus mass; 1 disables; default 0.95
 * @param minP          fraction of the top probability; 0 disables; default 0.05
 * @param repeatPenalty 1 disables; default 1.0 (as llama.cpp since late 2024)
 * @param repeatLastN   how many recent tokens the penalty looks at; default 64
 * @param seed          the draw's seed; the builder picks a random one unless told
 */
public record SamplerSpec(float temperature, int topK, float topP, float minP, float repeatPenalty,
                          int repeatLastN, long seed) {

    /** Greedy decoding: argmax every step, no penalty. */
    public static final SamplerSpec GREEDY = builder().temperature(0).seed(0).build();

    /** Checks the ranges. @throws EmberException naming the value out of range */
    public SamplerSpec {
        check(temperature >= 0 && Float.isFinite(temperature), "temperature must be >= 0, got " + temperature);
        check(topP > 0 && topP <= 1, "top-p must be in (0, 1], got " + topP);
        check(minP >= 0 && minP <= 1, "min-p must be in [0, 1], got " + minP);
        check(repeatPenalty > 0 && Float.isFinite(repeatPenalty), "repeat penalty must be > 0, got " + repeatPenalty);
        check(repeatLastN >= 0, "repeat-last-n must be >= 0, got " + repeatLastN);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new EmberException(message);
        }
    }

    /** @return whether this spec always takes the most likely token */
    public boolean greedy() {
        return temperature == 0;
    }

    /** @return a builder with llama.cpp's defaults and a random seed */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder starting from this spec's values */
    public Builder toBuilder() {
        return new Builder().temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repeatPenalty(repeatPenalty).repeatLastN(repeatLastN).seed(seed);
    }

    /** Builds a {@link SamplerSpec}; every value has a default. */
    public static final class Builder {
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float repeatPenalty = 1.0f;
        private int repeatLastN = 64;
        private Long seed;

        private Builder() {
        }

        /** @return this, with the temperature (0 = greedy) */
        public Builder temperature(float value) {
            temperature = value;
            return this;
        }

        /** @return this, with top-k (<= 0 disables) */
        public Builder topK(int value) {
            topK = value;
            return this;
        }

        /** @return this, with top-p (1 disables) */
        public Builder topP(float value) {
            topP = value;
            return this;
        }

        /** @return this, with min-p (0 disables) */
        public Builder minP(float value) {
            minP = value;
            return this;
        }

        /** @return this, with the repeat penalty (1 disables) */
        public Builder repeatPenalty(float value) {
            repeatPenalty = value;
            return this;
        }

        /** @return this, with the penalty's window of recent tokens */
        public Builder repeatLastN(int value) {
            repeatLastN = value;
            return this;
        }

        /** @return this, with the draw's seed (same seed, same tokens) */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /** @return the spec; a random seed if none was set, so the spec still records it */
        public SamplerSpec build() {
            long s = seed != null ? seed : System.nanoTime() ^ Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
            return new SamplerSpec(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
        }
    }
}
