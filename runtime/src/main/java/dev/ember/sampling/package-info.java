/**
 * Logits to a token: small composable steps in a chain ({@link dev.ember.sampling.RepeatPenalty},
 * {@link dev.ember.sampling.TopK}, {@link dev.ember.sampling.TopP}, {@link dev.ember.sampling.MinP},
 * {@link dev.ember.sampling.Temperature}) ending in a draw ({@link dev.ember.sampling.Distribution} or
 * {@link dev.ember.sampling.Sampler#GREEDY}), with llama.cpp's semantics and default order. Works on a
 * plain {@code float[]} of logits and imports nothing from the model. Pipeline: tensor -> gguf ->
 * kernel -> model -> tokenizer/<b>sampling</b> -> generate.
 */
package dev.ember.sampling;
