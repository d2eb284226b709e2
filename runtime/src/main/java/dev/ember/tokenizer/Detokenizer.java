package dev.ember.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * llama.cpp's {@code llama_detokenize(remove_special = false, unparse_special = false)} on top of a
 * tokenizer's {@link Tokenizer#decodePiece pieces}: concatenate the pieces, dropping one leading
 * space from the first token's piece when the vocabulary prepends one, then optionally apply
 * llama.cpp's {@code clean_spaces} passes (WordPiece and most byte-level BPE vocabularies).
 */
final class Detokenizer {
    private Detokenizer() {
    }

    /**
     * @param removeLeadingSpace the vocabulary's {@code add_space_prefix}: the first token (whatever
     *                           it renders to, even nothing) may give up one leading space
     * @param cleanSpaces        llama.cpp's {@code clean_spaces} for this vocabulary ({@link SpaceCleanup})
     */
    static String detokenize(Tokenizer tokenizer, int[] tokens, boolean removeLeadingSpace, boolean cleanSpaces) {
        byte[] text = new byte[Math.max(16, tokens.length * 4)];
        int length = 0;
        boolean removeSpace = removeLeadingSpace;
        for (int token : tokens) {
            byte[] piece = tokenizer.decodePiece(token, false);
            int from = removeSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            // only the first token is stripped, even when it renders as nothing (a BOS, say)
            removeSpace = false;
            int n = piece.length - from;
            if (length + n > text.length) {
                text = Arrays.copyOf(text, Math.max(text.length * 2, length + n));
            }
            System.arraycopy(piece, from, text, length, n);
            length += n;
        }
        if (cleanSpaces) {
            length = SpaceCleanup.apply(text, length);
        }
        return new String(text, 0, length, StandardCharsets.UTF_8);
    }
}
