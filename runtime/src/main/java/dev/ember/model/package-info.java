/**
 * The transformer, readable as equations: {@link dev.ember.model.Config} now; weights, the forward
 * pass and the {@code FeedForward} seam arrive with the engine. Pipeline: tensor -> gguf -> kernel
 * -> <b>model</b> -> tokenizer/sampling -> generate.
 */
package dev.ember.model;
