package dev.ember.tokenizer;

/**
 * The token types of {@code tokenizer.ggml.token_type}, as llama.cpp numbers them. They decide how
 * a token is matched in text (CONTROL and USER_DEFINED are matched whole before tokenizing) and how
 * it is rendered (BYTE tokens {@code <0xNN>} render as that byte; CONTROL tokens render as nothing
 * unless asked).
 */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    /** @return the type for a stored id; out-of-range ids are UNDEFINED */
    public static TokenType fromId(int id) {
        return id >= 0 && id < values().length ? values()[id] : UNDEFINED;
    }
}
