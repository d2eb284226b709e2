package dev.ember.tokenizer;

/**
 * The code point classes llama.cpp's pre-tokenizers see ({@code unicode_cpt_flags} in its
 * {@code src/unicode.cpp}): one general category per code point plus its own whitespace set.
 * Built from the JDK's Unicode tables, which may be a newer Unicode version than llama.cpp's
 * generated ones; only code points assigned in between can differ.
 *
 * <p>Two llama.cpp choices matter and are kept: whitespace is the Unicode White_Space set (so
 * U+001C..U+001F are not whitespace, unlike {@link Character#isWhitespace}), and a regex sees a
 * non-ASCII code point only through its "collapsed" stand-in byte (see {@link #collapsed(int)}).
 */
final class UnicodeFlags {
    /** Unassigned code point (still a real character: it matches {@code [^\s\p{L}\p{N}]}). */
    static final int UNDEFINED = 0x001;
    /** {@code \p{N}}. */
    static final int NUMBER = 0x002;
    /** {@code \p{L}}. */
    static final int LETTER = 0x004;
    /** {@code \p{Z}}. */
    static final int SEPARATOR = 0x008;
    /** {@code \p{M}}. */
    static final int ACCENT_MARK = 0x010;
    /** {@code \p{P}}. */
    static final int PUNCTUATION = 0x020;
    /** {@code \p{S}}. */
    static final int SYMBOL = 0x040;
    /** {@code \p{C}} (controls, format, private use, surrogates). */
    static final int CONTROL = 0x080;
    /** llama.cpp's {@code \s}: the White_Space code points. */
    static final int WHITESPACE = 0x100;

    /** The byte a non-ASCII code point of each category becomes in the collapsed text. */
    static final char COLLAPSED_OTHER = 0xD0;
    static final char COLLAPSED_NUMBER = 0xD1;
    static final char COLLAPSED_LETTER = 0xD2;
    static final char COLLAPSED_PUNCTUATION = 0xD3;
    static final char COLLAPSED_ACCENT_MARK = 0xD4;
    static final char COLLAPSED_SYMBOL = 0xD5;
    /** Non-ASCII whitespace collapses to vertical tab, which C's {@code \s} (and Java's) matches. */
    static final char COLLAPSED_WHITESPACE = 0x0B;

    private static final short[] BMP = new short[0x10000]; // flags of every BMP code point, computed once

    static {
        for (int cp = 0; cp < BMP.length; cp++) {
            BMP[cp] = (short) compute(cp);
        }
    }

    private UnicodeFlags() {
    }

    /** @return the flags of a code point; 0 (no flag at all) only for values outside Unicode */
    static int of(int cp) {
        if (cp >= 0 && cp < BMP.length) {
            return BMP[cp];
        }
        return cp > 0 && cp <= Character.MAX_CODE_POINT ? compute(cp) : 0;
    }

    /**
     * The single char llama.cpp's regex fallback matches in place of a code point: ASCII stays
     * itself, other whitespace becomes {@code \u000B}, other code points become one stand-in per
     * category, so that a regex over ASCII plus the stand-ins behaves like the Unicode regex.
     */
    static char collapsed(int cp) {
        if (cp < 128) {
            return (char) cp;
        }
        int flags = of(cp);
        if ((flags & WHITESPACE) != 0) {
            return COLLAPSED_WHITESPACE;
        }
        if ((flags & NUMBER) != 0) {
            return COLLAPSED_NUMBER;
        }
        if ((flags & LETTER) != 0) {
            return COLLAPSED_LETTER;
        }
        if ((flags & PUNCTUATION) != 0) {
            return COLLAPSED_PUNCTUATION;
        }
        if ((flags & ACCENT_MARK) != 0) {
            return COLLAPSED_ACCENT_MARK;
        }
        return (flags & SYMBOL) != 0 ? COLLAPSED_SYMBOL : COLLAPSED_OTHER;
    }

    private static int compute(int cp) {
        int category = switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK ->
                    ACCENT_MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            default -> UNDEFINED;
        };
        return isWhiteSpace(cp) ? category | WHITESPACE : category;
    }

    /** The Unicode White_Space property, the set llama.cpp's tables mark as whitespace. */
    private static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
