package dev.ember.chat;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Python's {@code json.dumps(value, ensure_ascii=False[, indent=N])}, byte for byte: {@code ", "} and
 * {@code ": "} separators ({@code ","} before a newline when indenting), non-ASCII text as it is, control
 * characters escaped, floats as Python's {@code repr}. Templates print tool schemas with it, so the
 * model sees exactly what it was trained on.
 */
final class PyJson {
    private PyJson() {
    }

    /** @param indent null for one line, else the spaces per level */
    static String dumps(Object value, Integer indent) {
        StringBuilder b = new StringBuilder();
        write(b, value, indent, 0);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, Integer indent, int depth) {
        switch (v) {
            case null -> b.append("null");
            case String s -> string(b, s);
            case Boolean x -> b.append(x ? "true" : "false");
            case Double d -> b.append(pyFloat(d));
            case Float f -> b.append(pyFloat(f.doubleValue()));
            case BigDecimal d -> b.append(pyFloat(d.doubleValue()));
            case Number n -> b.append(n.longValue());
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    b.append("{}");
                    return;
                }
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    separator(b, first, indent, depth + 1);
                    string(b, String.valueOf(e.getKey()));
                    b.append(": ");
                    write(b, e.getValue(), indent, depth + 1);
                    first = false;
                }
                close(b, indent, depth);
                b.append('}');
            }
            case Iterable<?> items -> {
                if (!items.iterator().hasNext()) {
                    b.append("[]");
                    return;
                }
                b.append('[');
                boolean first = true;
                for (Object item : items) {
                    separator(b, first, indent, depth + 1);
                    write(b, item, indent, depth + 1);
                    first = false;
                }
                close(b, indent, depth);
                b.append(']');
            }
            case Object[] items -> write(b, java.util.Arrays.asList(items), indent, depth);
            default -> string(b, v.toString());
        }
    }

    private static void separator(StringBuilder b, boolean first, Integer indent, int depth) {
        if (indent == null) {
            if (!first) {
                b.append(", ");
            }
        } else {
            b.append(first ? "\n" : ",\n").append(" ".repeat(indent * depth));
        }
    }

    private static void close(StringBuilder b, Integer indent, int depth) {
        if (indent != null) {
            b.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** Python's float repr: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String pyFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal x = new BigDecimal(Double.toString(d)).stripTrailingZeros(); // Java gives the shortest digits
        String digits = x.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - x.scale(); // decimal exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exp < -4 || exp >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
        }
        if (exp < 0) {
            return sign + "0." + "0".repeat(-exp - 1) + digits;
        }
        if (digits.length() <= exp + 1) {
            return sign + digits + "0".repeat(exp + 1 - digits.length()) + ".0";
        }
        return sign + digits.substring(0, exp + 1) + "." + digits.substring(exp + 1);
    }
}
