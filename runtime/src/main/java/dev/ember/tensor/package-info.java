/**
 * What tensor bytes mean: the ggml type table ({@link dev.ember.tensor.GgmlType}), shapes, and
 * {@link dev.ember.tensor.Tensor} views over mapped data. The lowest layer of the pipeline:
 * <b>tensor</b> -> gguf -> kernel -> model -> tokenizer/sampling -> generate.
 */
package dev.ember.tensor;
