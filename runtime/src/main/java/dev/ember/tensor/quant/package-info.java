/**
 * One final class per ggml block format, scalar and written to read like the spec: the layout
 * comment of ggml's block struct, {@code dequantizeRow}, and {@code quantizeRow} where Ember needs
 * it. These are the test oracle for every SIMD and native kernel, and the fallback when neither is
 * available.
 */
package dev.ember.tensor.quant;
