/**
 * Strings to token ids and back, built from a GGUF file's {@code tokenizer.ggml.*} metadata exactly
 * as llama.cpp builds them: SentencePiece-style BPE with scores and byte fallback ({@code llama}),
 * byte-level BPE with merges and per-model pre-tokenizers ({@code gpt2}), WordPiece ({@code bert}).
 * Reads only {@code dev.ember.gguf}.
 */
package dev.ember.tokenizer;
