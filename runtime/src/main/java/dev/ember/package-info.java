/**
 * Ember's public API, the top of the pipeline tensor -> gguf -> kernel -> model -> tokenizer/sampling
 * -> generate -> here: {@link dev.ember.Model} (a loaded, shareable model), {@link dev.ember.Session}
 * (one conversation and its KV cache), {@link dev.ember.GenerationRequest} in,
 * {@link dev.ember.GenerationResult} out, text streamed through a {@link dev.ember.TokenListener}.
 * Options are named objects with defaults ({@link dev.ember.LoadOptions},
 * {@link dev.ember.SessionOptions}, {@link dev.ember.sampling.SamplerSpec}).
 */
package dev.ember;
