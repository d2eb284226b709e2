/**
 * One final class per ggml block format, scalar and written to read like the spec: a layout comment for
 * the block struct, {@code dequantizeRow} (bit-exact with ggml's {@code dequantize_row_*}) and, where
 * Ember writes the format, {@code quantizeRow} (byte-exact with ggml's {@code quantize_row_*_ref}).
 * {@link dev.ember.tensor.quant.Dequantize} and {@link dev.ember.tensor.quant.Quantize} are the type
 * tables that pick one. These are the oracle for every SIMD and native kernel, and the fallback when
 * neither is available. Part of the lowest layer: <b>tensor</b> -> gguf -> kernel -> model -> ...
 */
package dev.ember.tensor.quant;
