package dev.ember.generate;

import dev.ember.tokenizer.Tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Every token's printed bytes, computed once per model, and its text when those bytes are complete
 * UTF-8 on their own (most tokens). The decode loop appends that text directly, without decoding
 * or allocating; only byte-fallback pieces go through a streaming UTF-8 decoder. Immutable, shared
 * by every session of a model.
 */
public final class TokenText {
    private final byte[][] bytes; // (vocab) llama.cpp's token_to_piece, control tokens empty
    private final String[] text;  // (vocab) the piece as text, or null if it is not complete UTF-8

    /** @param tokenizer the model's tokenizer */
    public TokenText(Tokenizer tokenizer) {
        int n = tokenizer.vocabulary().size();
        bytes = new byte[n][];
        text = new String[n];
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int id = 0; id < n; id++) {
            bytes[id] = tokenizer.decodePiece(id, false);
            try {
                text[id] = strict.decode(ByteBuffer.wrap(bytes[id])).toString();
            } catch (CharacterCodingException incomplete) {
                text[id] = null; // a byte token or a piece that splits a character: stream it
            }
        }
    }

    /** @return the token's bytes (do not modify) */
    public byte[] bytes(int token) {
        return bytes[token];
    }

    /** @return the token's text, or null if its bytes are not complete UTF-8 by themselves */
    public String text(int token) {
        return text[token];
    }

    /** @return the vocabulary size */
    public int size() {
        return bytes.length;
    }
}
