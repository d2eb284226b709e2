package dev.ember.chat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the few jinja2 spellings Jinjava parses differently into equivalent ones it parses as jinja2
 * does, inside tags only ({@code {{ }}} and {@code {% %}}), never inside string literals:
 * <ul>
 *   <li>{@code xs[::-1]} (a slice with a step) becomes {@code xs|reverse};</li>
 *   <li>a keyword argument's value is parenthesized: in {@code namespace(i=messages|length - 1)} Jinjava
 *       would bind {@code - 1} to the whole {@code i=...} pair;</li>
 *   <li>one newline at the end of the source goes, as jinja2 drops it ({@code keep_trailing_newline} off).</li>
 * </ul>
 */
final class TemplateSource {
    private static final Pattern REVERSED_SLICE = Pattern.compile("\\[\\s*:\\s*:\\s*-1\\s*]");

    private TemplateSource() {
    }

    static String adapt(String source) {
        String body = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        StringBuilder out = new StringBuilder(body.length() + 64);
        int i = 0;
        while (i < body.length()) {
            int open = nextTag(body, i);
            if (open < 0) {
                out.append(body, i, body.length());
                break;
            }
            String close = body.charAt(open + 1) == '{' ? "}}" : "%}";
            int end = tagEnd(body, open + 2, close);
            out.append(body, i, open + 2);
            out.append(adaptExpression(body.substring(open + 2, end)));
            i = end;
        }
        return out.toString();
    }

    private static int nextTag(String s, int from) {
        int a = s.indexOf("{{", from);
        int b = s.indexOf("{%", from);
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    /** @return where the tag's closing delimiter starts (quotes respected), or the end of the source */
    private static int tagEnd(String s, int from, String close) {
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (s.startsWith(close, i)) {
                return i;
            }
        }
        return s.length();
    }

    /** Applies the rewrites to one tag's inside, leaving string literals alone. */
    private static String adaptExpression(String e) {
        StringBuilder out = new StringBuilder(e.length() + 8);
        // stack of open brackets: for '(' whether we are inside a parenthesized keyword value
        StringBuilder stack = new StringBuilder();
        Matcher slice = REVERSED_SLICE.matcher(e);
        char quote = 0;
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < e.length()) {
                    out.append(e.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                out.append(c);
            } else if (c == '[' && slice.region(i, e.length()).lookingAt()) {
                out.append("|reverse");
                i = slice.end() - 1;
            } else if (c == '(' || c == '[' || c == '{') {
                stack.append(c);
                out.append(c);
            } else if ((c == ',' || c == ')') && stack.length() > 0 && stack.charAt(stack.length() - 1) == 'k') {
                stack.setLength(stack.length() - 1); // the keyword value ends here
                out.append(')');
                i--; // the ',' or ')' belongs to the call: handle it again
            } else if (c == ')' || c == ']' || c == '}') {
                if (stack.length() > 0) {
                    stack.setLength(stack.length() - 1);
                }
                out.append(c);
            } else if (c == '=' && isKeywordEquals(e, i) && stack.length() > 0
                    && stack.charAt(stack.length() - 1) == '(') {
                out.append("=(");
                stack.append('k');
            } else {
                out.append(c);
            }
        }
        while (stack.length() > 0 && stack.charAt(stack.length() - 1) == 'k') {
            stack.setLength(stack.length() - 1);
            out.append(')');
        }
        return out.toString();
    }

    /** @return whether the '=' at i assigns a keyword argument (not ==, !=, <=, >=) */
    private static boolean isKeywordEquals(String e, int i) {
        char before = i > 0 ? e.charAt(i - 1) : ' ';
        char after = i + 1 < e.length() ? e.charAt(i + 1) : ' ';
        if (after == '=' || before == '=' || before == '!' || before == '<' || before == '>') {
            return false;
        }
        int j = i - 1;
        while (j >= 0 && e.charAt(j) == ' ') {
            j--;
        }
        return j >= 0 && (Character.isLetterOrDigit(e.charAt(j)) || e.charAt(j) == '_');
    }
}
