package dev.ember.tokenizer;

import org.agrona.collections.IntArrayList;

/**
 * The Llama-3 split, {@value #REGEX}, written out by hand as llama.cpp does
 * ({@code unicode_regex_split_custom_llama3}): case-insensitive contractions, a letter run with
 * one optional leading non-letter, digits in groups of at most three, punctuation runs that take
 * the line breaks after them, and whitespace up to the last line break of a run.
 */
final class PreTokenizerLlama3Step implements PreTokenizerStep {
    /** Everything after the contractions, the same in both spellings below. */
    private static final String TAIL = "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** The regex as llama.cpp's pre-tokenizer tables spell it (std::regex has no {@code (?i:)}). */
    static final String REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])" + TAIL;
    /** The original tokenizer.json spelling, which llama.cpp also routes to this splitter. */
    static final String REGEX_CASE_INSENSITIVE = "(?i:'s|'t|'re|'ve|'m|'ll|'d)" + TAIL;

    private static final int WORD = UnicodeFlags.WHITESPACE | UnicodeFlags.LETTER | UnicodeFlags.NUMBER;

    @Override
    public IntArrayList split(int[] cps, IntArrayList pieces) {
        IntArrayList out = new IntArrayList(Math.max(8, pieces.size() * 4), -1);
        int start = 0;
        for (int i = 0; i < pieces.size(); i++) {
            int end = start + pieces.getInt(i);
            splitPiece(new PreTokenizerGpt2Step.Cursor(cps, start, end), out);
            start = end;
        }
        return out;
    }

    private static void splitPiece(PreTokenizerGpt2Step.Cursor c, IntArrayList out) {
        int pos = c.from();
        while (pos < c.to()) {
            int cp = c.cp(pos);
            int flags = c.flags(pos);
            int end = contraction(c, pos);
            if (end >= 0) {
                out.addInt(end - pos);
                pos = end;
                continue;
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (cp != '\r' && cp != '\n' && (flags & UnicodeFlags.NUMBER) == 0
                    && ((flags & UnicodeFlags.LETTER) != 0 || (c.flags(pos + 1) & UnicodeFlags.LETTER) != 0)) {
                end = pos + 1;
                while ((c.flags(end) & UnicodeFlags.LETTER) != 0) {
                    end++;
                }
                out.addInt(end - pos);
                pos = end;
                continue;
            }
            // \p{N}{1,3}: a long digit run becomes pieces of three, the rest last
            if ((flags & UnicodeFlags.NUMBER) != 0) {
                end = pos;
                while ((c.flags(end) & UnicodeFlags.NUMBER) != 0) {
                    end++;
                }
                for (int p = pos; p < end; p += 3) {
                    out.addInt(Math.min(3, end - p));
                }
                pos = end;
                continue;
            }
            end = punctuationOrWhitespace(c, pos, cp, flags);
            out.addInt(end - pos);
            pos = end;
        }
    }

    private static int punctuationOrWhitespace(PreTokenizerGpt2Step.Cursor c, int pos, int cp, int flags) {
        //  ?[^\s\p{L}\p{N}]+[\r\n]*  (llama.cpp tests the flags of pos itself for "is there a code point")
        int next = cp == ' ' ? c.flags(pos + 1) : flags;
        if ((next & WORD) == 0 && flags != 0) {
            int end = cp == ' ' ? pos + 1 : pos;
            while ((c.flags(end) & WORD) == 0 && c.flags(end) != 0) {
                end++;
            }
            while (c.cp(end) == '\r' || c.cp(end) == '\n') {
                end++;
            }
            return end;
        }
        int n = 0;
        int lastLineBreakEnd = -1;
        while ((c.flags(pos + n) & UnicodeFlags.WHITESPACE) != 0) {
            int w = c.cp(pos + n);
            if (w == '\r' || w == '\n') {
                lastLineBreakEnd = pos + n + 1;
            }
            n++;
        }
        if (lastLineBreakEnd >= 0) {
            return lastLineBreakEnd; // \s*[\r\n]+
        }
        if (n > 1 && pos + n < c.to()) {
            return pos + n - 1; // \s+(?!\S): the last whitespace goes with the text after it
        }
        return n > 0 ? pos + n : pos + 1;
    }

    /** @return the end of a case-insensitive {@code 's 't 'm 'd 're 've 'll} at pos, or -1 */
    private static int contraction(PreTokenizerGpt2Step.Cursor c, int pos) {
        if (c.cp(pos) != '\'' || pos + 1 >= c.to()) {
            return -1;
        }
        int next = Character.toLowerCase(c.cp(pos + 1));
        if (next == 's' || next == 't' || next == 'm' || next == 'd') {
            return pos + 2;
        }
        if (pos + 2 < c.to()) {
            int after = Character.toLowerCase(c.cp(pos + 2));
            if ((next == 'r' && after == 'e') || (next == 'v' && after == 'e') || (next == 'l' && after == 'l')) {
                return pos + 3;
            }
        }
        return -1;
    }
}
