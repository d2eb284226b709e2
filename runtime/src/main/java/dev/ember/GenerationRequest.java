package dev.ember;

import dev.ember.sampling.SamplerSpec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What to generate: a prompt (text, or token ids), how many tokens at most, how to sample, and what
 * text ends it. Every value but the prompt has a default.
 *
 * <pre>
 * GenerationRequest request = GenerationRequest.builder()
 *         .prompt("Once upon a time")
 *         .maxTokens(64)
 *         .sampler(SamplerSpec.builder().temperature(0.7f).seed(42).build())
 *         .stop("\n\n")
 *         .build();
 * </pre>
 *
 * @param prompt       the prompt text, or null when {@code promptTokens} is given
 * @param promptTokens the prompt as token ids (used as they are), or null when {@code prompt} is given
 * @param maxTokens    the most tokens to generate (default {@value #DEFAULT_MAX_TOKENS})
 * @param sampler      how to pick tokens (default: llama.cpp's defaults, a random seed)
 * @param stopStrings  text that ends generation, left out of the result (default none)
 * @param addSpecial   add BOS (and EOS) to the prompt text as the vocabulary asks (default true)
 * @param parseSpecial read special-token text such as {@code <|im_start|>} in the prompt as those
 *                     tokens, as llama.cpp's tools do (default true)
 * @param ignoreEos    keep generating after end-of-generation tokens, for benchmarks (default false)
 */
public record GenerationRequest(String prompt, int[] promptTokens, int maxTokens, SamplerSpec sampler,
                                List<String> stopStrings, boolean addSpecial, boolean parseSpecial,
                                boolean ignoreEos) {
    /** The default token budget. */
    public static final int DEFAULT_MAX_TOKENS = 256;

    /** Checks the values. @throws EmberException if the prompt is missing or doubled, or maxTokens < 0 */
    public GenerationRequest {
        if ((prompt == null) == (promptTokens == null)) {
            throw new EmberException("a generation request needs exactly one of prompt text and prompt tokens");
        }
        if (maxTokens < 0) {
            throw new EmberException("max tokens must be >= 0, got " + maxTokens);
        }
        promptTokens = promptTokens == null ? null : promptTokens.clone();
        sampler = sampler == null ? SamplerSpec.builder().build() : sampler;
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    }

    /** @return a request for {@code prompt} with every default */
    public static GenerationRequest of(String prompt) {
        return builder().prompt(prompt).build();
    }

    /** @return a builder with the defaults and no prompt yet */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the prompt tokens (a copy), or null if the prompt is text */
    @Override
    public int[] promptTokens() {
        return promptTokens == null ? null : promptTokens.clone();
    }

    /** Builds a {@link GenerationRequest}. */
    public static final class Builder {
        private String prompt;
        private int[] promptTokens;
        private int maxTokens = DEFAULT_MAX_TOKENS;
        private SamplerSpec sampler;
        private final List<String> stopStrings = new ArrayList<>();
        private boolean addSpecial = true;
        private boolean parseSpecial = true;
        private boolean ignoreEos;

        private Builder() {
        }

        /** @return this, with the prompt text (clears prompt tokens) */
        public Builder prompt(String value) {
            prompt = value;
            promptTokens = null;
            return this;
        }

        /** @return this, with the prompt as token ids (clears prompt text) */
        public Builder promptTokens(int... value) {
            promptTokens = value.clone();
            prompt = null;
            return this;
        }

        /** @return this, with the token budget */
        public Builder maxTokens(int value) {
            maxTokens = value;
            return this;
        }

        /** @return this, with the sampler settings */
        public Builder sampler(SamplerSpec value) {
            sampler = value;
            return this;
        }

        /** @return this, with more stop strings */
        public Builder stop(String... values) {
            return stop(List.of(values));
        }

        /** @return this, with more stop strings (a chat template's and a request's, say) */
        public Builder stop(Collection<String> values) {
            stopStrings.addAll(values);
            return this;
        }

        /** @return this, choosing whether BOS/EOS are added as the vocabulary asks */
        public Builder addSpecial(boolean value) {
            addSpecial = value;
            return this;
        }

        /** @return this, choosing whether special-token text in the prompt is parsed */
        public Builder parseSpecial(boolean value) {
            parseSpecial = value;
            return this;
        }

        /** @return this, choosing whether to generate past end-of-generation tokens */
        public Builder ignoreEos(boolean value) {
            ignoreEos = value;
            return this;
        }

        /** @return the request */
        public GenerationRequest build() {
            return new GenerationRequest(prompt, promptTokens, maxTokens, sampler, stopStrings, addSpecial,
                    parseSpecial, ignoreEos);
        }
    }
}
