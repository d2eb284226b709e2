package dev.ember.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's byte-to-unicode table: every byte value gets a printable stand-in character, so that
 * byte-level BPE vocabularies can store arbitrary bytes as text. Printable Latin-1 bytes
 * ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand for themselves; the other 68 bytes, in
 * order, get U+0100 upwards (so the space 0x20 is {@code Ġ} U+0120 and the newline {@code Ċ}).
 */
final class ByteLevelAlphabet {
    /** One past the highest stand-in character (U+0143). */
    static final int LIMIT = 0x144;

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[LIMIT];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /** @return the stand-in character of a byte (0..255) */
    static char encode(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** @return the byte a character stands for, or -1 if it is not in the alphabet */
    static int decode(int cp) {
        return cp >= 0 && cp < LIMIT ? CHAR_TO_BYTE[cp] : -1;
    }

    /**
     * Writes the stand-ins of a code point's UTF-8 bytes.
     *
     * @return the index after the last char written (at most 4 chars are written)
     */
    static int encodeCodePoint(int cp, char[] out, int at) {
        if (cp < 0x80) {
            out[at++] = encode(cp);
        } else if (cp < 0x800) {
            out[at++] = encode(0xC0 | (cp >> 6));
            out[at++] = encode(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[at++] = encode(0xE0 | (cp >> 12));
            out[at++] = encode(0x80 | ((cp >> 6) & 0x3F));
            out[at++] = encode(0x80 | (cp & 0x3F));
        } else {
            out[at++] = encode(0xF0 | (cp >> 18));
            out[at++] = encode(0x80 | ((cp >> 12) & 0x3F));
            out[at++] = encode(0x80 | ((cp >> 6) & 0x3F));
            out[at++] = encode(0x80 | (cp & 0x3F));
        }
        return at;
    }
}
