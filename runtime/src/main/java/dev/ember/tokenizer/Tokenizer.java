package dev.ember.tokenizer;

/**
 * Text to token ids and back, with llama.cpp's semantics ({@code llama_tokenize},
 * {@code llama_token_to_piece}, {@code llama_detokenize}).
 *
 * <pre>
 * Tokenizer tok = Tokenizers.fromGguf(gguf.metadata());
 * int[] ids = tok.encode("Hello world", true, true);   // as llama-tokenize does by default
 * String back = tok.decode(ids);
 * </pre>
 *
 * Implementations are immutable and thread-safe.
 */
public interface Tokenizer {
    /**
     * Tokenizes text.
     *
     * @param text         the text (not normalized: llama.cpp does not normalize)
     * @param addSpecial   add BOS/EOS (or CLS/SEP) where the vocabulary asks for them
     * @param parseSpecial match the text of control tokens such as {@code <s>} as those tokens;
     *                     when false, only user-defined tokens are matched and control-token text
     *                     is tokenized as plain text
     * @return the token ids
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The bytes one token stands for when it is printed (llama.cpp's {@code token_to_piece}): a
     * byte token gives its byte, SentencePiece's {@code ▁} becomes a space, byte-level BPE pieces
     * are mapped back to their bytes. Control tokens give their text only if {@code special}.
     *
     * @param token   a token id
     * @param special render control tokens as their text
     * @return the bytes; may be an incomplete UTF-8 sequence
     */
    byte[] decodePiece(int token, boolean special);

    /**
     * Detokenizes a sequence as llama.cpp's {@code llama_detokenize(remove_special=false,
     * unparse_special=false)}: the pieces concatenated (control tokens render as nothing), with the
     * leading space that SentencePiece added removed, decoded as UTF-8.
     */
    String decode(int[] tokens);

    /** @return the vocabulary this tokenizer was built from */
    Vocabulary vocabulary();
}
