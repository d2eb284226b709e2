/**
 * The GGUF file format, and nothing about transformers: {@link dev.ember.gguf.GgufFile} maps a file
 * and validates its header; {@link dev.ember.gguf.GgufWriter} writes one. Second step of the
 * pipeline: tensor -> <b>gguf</b> -> kernel -> model -> tokenizer/sampling -> generate.
 */
package dev.ember.gguf;
