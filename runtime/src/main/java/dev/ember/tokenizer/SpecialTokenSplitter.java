package dev.ember.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Splits text around the tokens that are matched whole before any tokenization (llama.cpp's
 * {@code tokenizer_st_partition}): USER_DEFINED tokens always, CONTROL and UNKNOWN tokens when
 * special text is parsed. Longer tokens (in UTF-8 bytes) are matched first, each one at every
 * leftmost non-overlapping occurrence in the text that is still raw. Tokens with the lstrip/rstrip
 * attribute swallow the ASCII whitespace beside them.
 *
 * <p>Immutable and thread-safe; built once per tokenizer.
 */
final class SpecialTokenSplitter {
    /** A piece of the input: either raw text to tokenize ({@code token == -1}) or a whole token. */
    record Fragment(String text, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    private record Special(int id, String text, boolean control, boolean lstrip, boolean rstrip) { }

    private final Special[] specials; // longest first

    SpecialTokenSplitter(Vocabulary vocabulary) {
        List<Special> list = new ArrayList<>();
        // llama.cpp sets strip attributes by model name: Phi-3's special tokens eat the whitespace after them
        boolean phi3 = containsAny(vocabulary.modelName().toLowerCase(Locale.ROOT), "phi-3", "phi3");
        boolean jina = containsAny(vocabulary.pre(), "jina-v2-de", "jina-v2-es", "jina-v2-code");
        for (int id = 0; id < vocabulary.size(); id++) {
            TokenType type = vocabulary.type(id);
            String text = vocabulary.token(id);
            if (text.isEmpty()) {
                continue;
            }
            boolean rstrip = false;
            boolean lstrip = jina && text.equals("<mask>");
            if (type == TokenType.CONTROL || type == TokenType.USER_DEFINED || type == TokenType.UNKNOWN) {
                rstrip = phi3 && !(text.equals("<unk>") || text.equals("<s>") || text.equals("<|endoftext|>"));
                list.add(new Special(id, text, type != TokenType.USER_DEFINED, lstrip, rstrip));
            }
        }
        list.sort(Comparator.comparingInt((Special s) -> -s.text.getBytes(StandardCharsets.UTF_8).length)
                .thenComparingInt(Special::id));
        this.specials = list.toArray(Special[]::new);
    }

    private static boolean containsAny(String s, String... needles) {
        for (String n : needles) {
            if (s.contains(n)) {
                return true;
            }
        }
        return false;
    }

    /** @return the fragments of {@code text} in order; raw fragments are never empty */
    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (!text.isEmpty()) {
            fragments.add(new Fragment(text, -1));
        }
        if (specials.length == 0 || text.isEmpty()) {
            return fragments;
        }
        // cheap prefilter: a token can only match if its first char occurs in the text
        BitSet present = new BitSet(1 << 16);
        for (int i = 0; i < text.length(); i++) {
            present.set(text.charAt(i));
        }
        for (Special s : specials) {
            if ((s.control && !parseSpecial) || !present.get(s.text.charAt(0))) {
                continue;
            }
            fragments = splitAll(fragments, s);
        }
        return fragments;
    }

    private static List<Fragment> splitAll(List<Fragment> in, Special s) {
        List<Fragment> out = null;
        for (int f = 0; f < in.size(); f++) {
            Fragment fragment = in.get(f);
            int match = fragment.isText() ? fragment.text.indexOf(s.text) : -1;
            if (match < 0) {
                if (out != null) {
                    out.add(fragment);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(in.subList(0, f));
            }
            String raw = fragment.text;
            int start = 0;
            while (match >= 0) {
                int leftEnd = match;
                if (s.lstrip) {
                    while (leftEnd > start && isSpace(raw.charAt(leftEnd - 1))) {
                        leftEnd--;
                    }
                }
                if (leftEnd > start) {
                    out.add(new Fragment(raw.substring(start, leftEnd), -1));
                }
                out.add(new Fragment(s.text, s.id));
                start = match + s.text.length();
                if (s.rstrip) {
                    while (start < raw.length() && isSpace(raw.charAt(start))) {
                        start++;
                    }
                }
                match = raw.indexOf(s.text, start);
            }
            if (start < raw.length()) {
                out.add(new Fragment(raw.substring(start), -1));
            }
        }
        return out != null ? out : in;
    }

    /** C's isspace in the "C" locale, which llama.cpp uses for lstrip/rstrip. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
