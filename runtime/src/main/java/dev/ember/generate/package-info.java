/**
 * The loop that ties the pipeline together, internal to the runtime (not exported): prefill the
 * prompt as one batch, then sample, detokenize and check the stop conditions token by token.
 * {@code dev.ember.Session} is its public face. Pipeline: tensor -> gguf -> kernel -> model ->
 * tokenizer/sampling -> <b>generate</b> -> the API.
 */
package dev.ember.generate;
