/**
 * The transformer, readable as equations. {@link dev.ember.model.Config} (hyperparameters) and
 * {@link dev.ember.model.Weights} (views of the mapped file) are immutable and shared; a
 * {@link dev.ember.model.SessionState} (KV cache, activations) belongs to one session.
 * {@link dev.ember.model.Transformer#forward} runs a batch (prefill) or one token (decode);
 * {@link dev.ember.model.Architectures} maps {@code general.architecture} (llama, qwen2, qwen3) onto the shared
 * block; {@link dev.ember.model.FeedForward} is the seam the sparsity module plugs into. Pipeline: tensor -> gguf
 * -> kernel -> <b>model</b> -> tokenizer/sampling -> generate.
 */
package dev.ember.model;
