package dev.ember.tokenizer;

import org.agrona.collections.IntArrayList;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pre-tokenizer regex run the way llama.cpp's general fallback runs it ({@code unicode_regex_split}
 * over C++ {@code std::regex}), so that the matches are the same, not merely similar:
 * <ul>
 *   <li>A regex that uses a Unicode category ({@code \p{N} \p{L} \p{P} \p{M} \p{S}}) runs over
 *       the "collapsed" text: ASCII as is, every other code point replaced by one stand-in char per
 *       category ({@link UnicodeFlags#collapsed}), and each {@code \p{X}} rewritten to the class
 *       "stand-in plus the ASCII members". Such a regex must not contain non-ASCII literals.</li>
 *   <li>Any other regex runs over the real code points, except that non-ASCII whitespace is
 *       replaced by {@code \u000B}, because C++'s {@code \s} (like Java's default) knows only ASCII.</li>
 *   <li>Each piece is matched on its own: {@code $} and lookahead stop at the piece's end.</li>
 * </ul>
 */
final class PreTokenizerRegexStep implements PreTokenizerStep {
    /** The class members llama.cpp substitutes for each category: its stand-in, then the ASCII members. */
    private static final Map<String, String> CATEGORY_CLASSES = Map.of(
            "\\p{N}", UnicodeFlags.COLLAPSED_NUMBER + "0-9",
            "\\p{L}", UnicodeFlags.COLLAPSED_LETTER + "A-Za-z",
            "\\p{P}", UnicodeFlags.COLLAPSED_PUNCTUATION + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}",
            "\\p{M}", String.valueOf(UnicodeFlags.COLLAPSED_ACCENT_MARK),
            "\\p{S}", UnicodeFlags.COLLAPSED_SYMBOL + "\\$\\+<->\\^`\\|");

    private final String regex;
    private final boolean collapsed;
    private final Pattern pattern;

    PreTokenizerRegexStep(String regex) {
        this.regex = regex;
        this.collapsed = CATEGORY_CLASSES.keySet().stream().anyMatch(regex::contains);
        if (collapsed && regex.chars().anyMatch(ch -> ch >= 128)) {
            // llama.cpp refuses this combination too: the stand-ins would collide with real characters
            throw new IllegalArgumentException("pre-tokenizer regex mixes Unicode categories and non-ASCII: " + regex);
        }
        this.pattern = Pattern.compile(toJava(collapsed ? collapse(regex) : regex));
    }

    @Override
    public IntArrayList split(int[] cps, IntArrayList pieces) {
        IntArrayList out = new IntArrayList(Math.max(8, pieces.size() * 4), -1);
        int[] charStart = new int[cps.length + 1]; // char index of each code point in the matched text
        String text = matchedText(cps, charStart);
        int[] cpAt = collapsed ? null : codePointIndex(charStart, text.length());
        Matcher m = pattern.matcher(text);
        int start = 0;
        for (int i = 0; i < pieces.size(); i++) {
            int end = start + pieces.getInt(i);
            m.region(charStart[start], charStart[end]); // opaque, anchoring bounds: the piece is the whole input
            int done = start;
            while (m.find()) {
                int matchStart = cpAt == null ? m.start() : cpAt[m.start()];
                int matchEnd = cpAt == null ? m.end() : cpAt[m.end()];
                if (matchEnd == matchStart) {
                    continue; // none of llama.cpp's regexes can match empty; do not emit empty pieces
                }
                if (matchStart > done) {
                    out.addInt(matchStart - done);
                }
                out.addInt(matchEnd - matchStart);
                done = matchEnd;
            }
            if (done < end) {
                out.addInt(end - done);
            }
            start = end;
        }
        return out;
    }

    private String matchedText(int[] cps, int[] charStart) {
        StringBuilder sb = new StringBuilder(cps.length + 8);
        for (int i = 0; i < cps.length; i++) {
            charStart[i] = sb.length();
            int cp = cps[i];
            if (collapsed) {
                sb.append(UnicodeFlags.collapsed(cp));
            } else if (cp > 0x7F && (UnicodeFlags.of(cp) & UnicodeFlags.WHITESPACE) != 0) {
                sb.append(UnicodeFlags.COLLAPSED_WHITESPACE);
            } else {
                sb.appendCodePoint(cp);
            }
        }
        charStart[cps.length] = sb.length();
        return sb.toString();
    }

    private static int[] codePointIndex(int[] charStart, int length) {
        int[] cpAt = new int[length + 1];
        for (int cp = 0; cp + 1 < charStart.length; cp++) {
            for (int ch = charStart[cp]; ch < charStart[cp + 1]; ch++) {
                cpAt[ch] = cp;
            }
        }
        cpAt[length] = charStart.length - 1;
        return cpAt;
    }

    /** Rewrites each {@code \p{X}} as llama.cpp does: in brackets the members, outside a new class. */
    static String collapse(String regex) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                out.append(c);
                inside = true;
                continue;
            }
            if (inside && c == ']' && regex.charAt(i - 1) != '\\') {
                out.append(c);
                inside = false;
                continue;
            }
            int close = c == '\\' && regex.startsWith("p{", i + 1) ? regex.indexOf('}', i + 3) : -1;
            String members = close > 0 ? CATEGORY_CLASSES.get(regex.substring(i, close + 1)) : null;
            if (members != null) {
                out.append(inside ? members : "[" + members + "]");
                i = close;
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }

    /**
     * ECMAScript to Java: an unescaped {@code $} outside brackets means "end of input" in C++, while
     * Java's {@code $} also matches before a final line break; {@code \z} is the exact equivalent.
     */
    private static String toJava(String regex) {
        StringBuilder out = new StringBuilder(regex.length());
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                out.append(c).append(regex.charAt(++i));
                continue;
            }
            if (c == '[') {
                inside = true;
            } else if (c == ']') {
                inside = false;
            }
            out.append(c == '$' && !inside ? "\\z" : String.valueOf(c));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return regex;
    }
}
