package dev.ember.model;

/**
 * Which dimensions of a head RoPE rotates together (llama.cpp's {@code llama_rope_type}): the choice is fixed
 * per architecture, and the GGUF converters permute {@code attn_q}/{@code attn_k} rows to match it.
 */
public enum RopeStyle {
    /** Adjacent pairs (2i, 2i+1): llama, mistral ({@code LLAMA_ROPE_TYPE_NORM}). */
    NORMAL,
    /** Split halves (i, i + ropeDim/2): qwen2, qwen3 ({@code LLAMA_ROPE_TYPE_NEOX}). */
    NEOX
}
