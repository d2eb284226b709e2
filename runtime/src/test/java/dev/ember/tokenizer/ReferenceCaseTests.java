package dev.ember.tokenizer;

import dev.ember.gguf.GgufFile;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Turns llama.cpp's test vectors for one vocabulary into one JUnit test per case, and counts the
 * passes per vocabulary (the release note reports these counts). Each vocabulary is loaded once
 * and shared by every test that needs it.
 */
final class ReferenceCaseTests {
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();
    /** "vocab" -> "inp/out" | "extra raw" | "extra default" -> {passed, total}. */
    private static final Map<String, Map<String, AtomicInteger[]>> TALLY = new ConcurrentHashMap<>();

    private ReferenceCaseTests() {
    }

    /** @return the tokenizer for a vocabulary of ../shared, loaded on first use */
    static Tokenizer tokenizer(String vocab) {
        return TOKENIZERS.computeIfAbsent(vocab, v -> {
            try (GgufFile gguf = GgufFile.open(TokenizerReference.vocabFile(v))) {
                return Tokenizers.fromGguf(gguf.metadata());
            }
        });
    }

    /**
     * @param withInpOut whether the vocabulary has {@code .inp/.out} files (stories260K has not)
     * @return a container per kind of case, a test per case
     */
    static DynamicContainer forVocab(String vocab, boolean withInpOut) {
        List<DynamicNode> groups = new ArrayList<>();
        if (withInpOut) {
            groups.add(group(vocab, "inp/out", TokenizerReference.inpOut(vocab)));
        }
        List<TokenizerReference.Case> extra = TokenizerReference.extraCases(vocab);
        groups.add(group(vocab, "extra raw", extra.stream().filter(c -> c.mode().equals("raw")).toList()));
        groups.add(group(vocab, "extra default", extra.stream().filter(c -> c.mode().equals("default")).toList()));
        return DynamicContainer.dynamicContainer(vocab, groups);
    }

    private static DynamicContainer group(String vocab, String kind, List<TokenizerReference.Case> cases) {
        AtomicInteger[] counts = TALLY.computeIfAbsent(vocab, v -> new ConcurrentHashMap<>())
                .computeIfAbsent(kind, k -> new AtomicInteger[] {new AtomicInteger(), new AtomicInteger()});
        counts[1].set(cases.size());
        return DynamicContainer.dynamicContainer(kind, cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(),
                () -> {
                    check(tokenizer(vocab), c);
                    counts[0].incrementAndGet();
                })));
    }

    /** Asserts that the tokenizer gives llama.cpp's ids for a case; the message shows both, with pieces. */
    static void check(Tokenizer tokenizer, TokenizerReference.Case c) {
        boolean raw = c.mode().equals("raw");
        int[] actual = tokenizer.encode(c.text(), !raw, !raw);
        if (!Arrays.equals(c.expected(), actual)) {
            fail(c + "\n  text:     " + escape(c.text())
                    + "\n  expected: " + Arrays.toString(c.expected())
                    + "\n            " + pieces(tokenizer, c.expected())
                    + "\n  actual:   " + Arrays.toString(actual)
                    + "\n            " + pieces(tokenizer, actual));
        }
    }

    /** @return each token's piece (special tokens as their text), escaped, for failure messages */
    static String pieces(Tokenizer tokenizer, int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(id >= 0 && id < tokenizer.vocabulary().size()
                    ? "'" + escape(new String(tokenizer.decodePiece(id, true), StandardCharsets.UTF_8)) + "'"
                    : "<bad id " + id + ">");
        }
        return out.toString();
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
    }

    /** @return one line per vocabulary: passed/total for each kind of case */
    static String summary(Collection<String> vocabs) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(TALLY).forEach((vocab, kinds) -> {
            if (!vocabs.contains(vocab)) {
                return;
            }
            sb.append("[tokenizer] ").append(vocab).append(':');
            for (String kind : List.of("inp/out", "extra raw", "extra default")) {
                AtomicInteger[] n = kinds.get(kind);
                if (n != null) {
                    sb.append("  ").append(kind).append(' ').append(n[0].get()).append('/').append(n[1].get());
                }
            }
            sb.append('\n');
        });
        return sb.toString();
    }
}
