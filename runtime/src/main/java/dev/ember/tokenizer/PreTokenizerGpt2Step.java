package dev.ember.tokenizer;

import org.agrona.collections.IntArrayList;

/**
 * The GPT-2 split, {@value #REGEX}, written out by hand as llama.cpp does
 * ({@code unicode_regex_split_custom_gpt2}): the contractions are lower-case only, and a run of
 * whitespace followed by more text leaves its last whitespace to the next piece.
 */
final class PreTokenizerGpt2Step implements PreTokenizerStep {
    /** The regex this step implements, spelled exactly as in llama.cpp's pre-tokenizer tables. */
    static final String REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

    private static final int WORD = UnicodeFlags.WHITESPACE | UnicodeFlags.LETTER | UnicodeFlags.NUMBER;

    @Override
    public IntArrayList split(int[] cps, IntArrayList pieces) {
        IntArrayList out = new IntArrayList(Math.max(8, pieces.size() * 4), -1);
        int start = 0;
        for (int i = 0; i < pieces.size(); i++) {
            int end = start + pieces.getInt(i);
            splitPiece(new Cursor(cps, start, end), out);
            start = end;
        }
        return out;
    }

    private static void splitPiece(Cursor c, IntArrayList out) {
        int pos = c.from;
        while (pos < c.to) {
            int cp = c.cp(pos);
            int flags = c.flags(pos);
            int end = contraction(c, pos);
            if (end < 0) {
                int next = cp == ' ' ? c.flags(pos + 1) : flags;
                int body = cp == ' ' ? pos + 1 : pos;
                if ((next & UnicodeFlags.LETTER) != 0) {
                    end = runOf(c, body, UnicodeFlags.LETTER);
                } else if ((next & UnicodeFlags.NUMBER) != 0) {
                    end = runOf(c, body, UnicodeFlags.NUMBER);
                } else if ((next & WORD) == 0 && next != 0) {
                    end = body;
                    while ((c.flags(end) & WORD) == 0 && c.flags(end) != 0) {
                        end++;
                    }
                } else {
                    end = whitespace(c, pos);
                }
            }
            out.addInt(end - pos);
            pos = end;
        }
    }

    /** @return the end of {@code 's 't 'm 'd 're 've 'll} at pos, or -1 */
    private static int contraction(Cursor c, int pos) {
        if (c.cp(pos) != '\'' || pos + 1 >= c.to) {
            return -1;
        }
        int next = c.cp(pos + 1);
        if (next == 's' || next == 't' || next == 'm' || next == 'd') {
            return pos + 2;
        }
        if (pos + 2 < c.to) {
            int after = c.cp(pos + 2);
            if ((next == 'r' && after == 'e') || (next == 'v' && after == 'e') || (next == 'l' && after == 'l')) {
                return pos + 3;
            }
        }
        return -1;
    }

    private static int runOf(Cursor c, int pos, int flag) {
        while ((c.flags(pos) & flag) != 0) {
            pos++;
        }
        return pos;
    }

    /** {@code \s+(?!\S)}, else {@code \s+}, else a single unmatched code point. */
    private static int whitespace(Cursor c, int pos) {
        int n = 0;
        while ((c.flags(pos + n) & UnicodeFlags.WHITESPACE) != 0) {
            n++;
        }
        if (n > 1 && pos + n < c.to) {
            return pos + n - 1; // the last whitespace goes with the text after it
        }
        return n > 0 ? pos + n : pos + 1;
    }

    /** The code points of one piece; positions outside it read as "no code point" (flags 0). */
    record Cursor(int[] cps, int from, int to) {
        static final int OUT_OF_RANGE = -1;

        int cp(int pos) {
            return pos >= from && pos < to ? cps[pos] : OUT_OF_RANGE;
        }

        int flags(int pos) {
            return pos >= from && pos < to ? UnicodeFlags.of(cps[pos]) : 0;
        }
    }
}
