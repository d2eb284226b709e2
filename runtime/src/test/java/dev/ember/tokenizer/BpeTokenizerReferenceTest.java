package dev.ember.tokenizer;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;
import dev.ember.gguf.GgufValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Byte-level BPE against llama.cpp's own ids: every {@code .inp/.out} case (raw mode) and every
 * extra case in both modes, for every {@code gpt2} vocabulary in ../shared/tokenizer, plus the
 * encode/decode round trip. Each vocabulary is loaded once; each case is one test. The pass counts
 * per vocabulary are printed at the end for the release note.
 */
class BpeTokenizerReferenceTest {
    private static final Map<String, Tally> TALLIES = new LinkedHashMap<>();

    @TestFactory
    Stream<DynamicNode> gpt2() {
        return vocab("ggml-vocab-gpt-2.gguf");
    }

    @TestFactory
    Stream<DynamicNode> llamaBpe() {
        return vocab("ggml-vocab-llama-bpe.gguf");
    }

    @TestFactory
    Stream<DynamicNode> qwen2() {
        return vocab("ggml-vocab-qwen2.gguf");
    }

    @TestFactory
    Stream<DynamicNode> deepseekLlm() {
        return vocab("ggml-vocab-deepseek-llm.gguf");
    }

    @TestFactory
    Stream<DynamicNode> deepseekCoder() {
        return vocab("ggml-vocab-deepseek-coder.gguf");
    }

    @TestFactory
    Stream<DynamicNode> falcon() {
        return vocab("ggml-vocab-falcon.gguf");
    }

    @TestFactory
    Stream<DynamicNode> mpt() {
        return vocab("ggml-vocab-mpt.gguf");
    }

    @TestFactory
    Stream<DynamicNode> starcoder() {
        return vocab("ggml-vocab-starcoder.gguf");
    }

    @TestFactory
    Stream<DynamicNode> refact() {
        return vocab("ggml-vocab-refact.gguf");
    }

    /** GPT-NeoX has no pre key (llama.cpp's "default" regexes) and no .inp/.out, only extra cases. */
    @TestFactory
    Stream<DynamicNode> gptNeox() {
        return vocab("ggml-vocab-gpt-neox.gguf");
    }

    /**
     * deepseek-r1-qwen's vocab file is not shipped, but its .out is byte-identical to qwen2's and its
     * vocabulary is Qwen's, so the qwen2 vocab renamed to that pre type checks the name mapping.
     */
    @TestFactory
    Stream<DynamicNode> deepseekR1QwenOnQwen2Vocab() {
        Vocabulary vocabulary = load("ggml-vocab-qwen2.gguf", "deepseek-r1-qwen");
        BpeTokenizer tokenizer = new BpeTokenizer(vocabulary);
        String label = "deepseek-r1-qwen (qwen2 vocab)";
        List<TokenizerReference.Case> cases = TokenizerReference.inpOut("ggml-vocab-deepseek-r1-qwen.gguf");
        return Stream.of(container(label, "inp/out", tokenizer, cases));
    }

    private static Stream<DynamicNode> vocab(String file) {
        BpeTokenizer tokenizer = new BpeTokenizer(load(file, null));
        List<TokenizerReference.Case> inpOut = hasInpOut(file) ? TokenizerReference.inpOut(file) : List.of();
        List<TokenizerReference.Case> extra = TokenizerReference.extraCases(file);
        List<DynamicNode> nodes = new ArrayList<>();
        if (!inpOut.isEmpty()) {
            nodes.add(container(file, "inp/out", tokenizer, inpOut));
        }
        nodes.add(container(file, "extra raw", tokenizer, extra.stream().filter(c -> c.mode().equals("raw")).toList()));
        nodes.add(container(file, "extra default", tokenizer,
                extra.stream().filter(c -> c.mode().equals("default")).toList()));
        List<TokenizerReference.Case> raw = Stream.concat(inpOut.stream(),
                extra.stream().filter(c -> c.mode().equals("raw"))).toList();
        nodes.add(DynamicContainer.dynamicContainer(file + " round trip",
                raw.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> roundTrip(file, tokenizer, c)))));
        return nodes.stream();
    }

    private static boolean hasInpOut(String file) {
        return !file.equals("ggml-vocab-gpt-neox.gguf");
    }

    private static Vocabulary load(String file, String preOverride) {
        Path path = TokenizerReference.vocabFile(file);
        try (GgufFile gguf = GgufFile.open(path)) {
            GgufMetadata metadata = gguf.metadata();
            if (preOverride != null) {
                Map<String, GgufValue> values = new LinkedHashMap<>(metadata.asMap());
                values.put("tokenizer.ggml.pre", GgufValue.string(preOverride));
                metadata = new GgufMetadata(path, values);
            }
            return Vocabulary.fromGguf(metadata);
        }
    }

    private static DynamicContainer container(String vocab, String kind, BpeTokenizer tokenizer,
                                              List<TokenizerReference.Case> cases) {
        Tally tally = tally(vocab, kind);
        return DynamicContainer.dynamicContainer(vocab + " " + kind, cases.stream().map(c ->
                DynamicTest.dynamicTest(c.toString(), () -> {
                    tally.total.incrementAndGet();
                    boolean special = c.mode().equals("default");
                    int[] actual = tokenizer.encode(c.text(), special, special);
                    assertArrayEquals(c.expected(), actual, () -> mismatch(tokenizer, c, actual));
                    tally.passed.incrementAndGet();
                })));
    }

    /**
     * Byte-level BPE loses nothing: the pieces concatenate to the text. decode() also gives the text
     * back, except where llama.cpp's clean_spaces (on for most of these vocabs) rewrites
     * " ?", " !", " .", " ," or " '" by design; those cases are counted, not compared.
     */
    private static void roundTrip(String vocab, BpeTokenizer tokenizer, TokenizerReference.Case c) {
        Tally tally = tally(vocab, "round trip");
        tally.total.incrementAndGet();
        int[] ids = tokenizer.encode(c.text(), false, false);
        byte[] joined = joinPieces(tokenizer, ids);
        assertEquals(c.text(), new String(joined, StandardCharsets.UTF_8), "pieces of " + Arrays.toString(ids));
        boolean cleaned = tokenizer.preTokenizer().cleanSpaces()
                && Stream.of(" ?", " !", " .", " ,", " '").anyMatch(c.text()::contains);
        if (cleaned) {
            tally.cleanSpaces.incrementAndGet();
        } else {
            assertEquals(c.text(), tokenizer.decode(ids), "decode of " + Arrays.toString(ids));
        }
        tally.passed.incrementAndGet();
    }

    private static byte[] joinPieces(BpeTokenizer tokenizer, int[] ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(tokenizer.decodePiece(id, false));
        }
        return out.toByteArray();
    }

    private static String mismatch(BpeTokenizer tokenizer, TokenizerReference.Case c, int[] actual) {
        return "text " + quote(c.text()) + " (" + c.mode() + " mode)\n  expected " + show(tokenizer, c.expected())
                + "\n  actual   " + show(tokenizer, actual) + "\n  words    "
                + tokenizer.preTokenizer().split(c.text()).stream().map(BpeTokenizerReferenceTest::quote).toList();
    }

    private static String show(Tokenizer tokenizer, int[] ids) {
        return Arrays.stream(ids).mapToObj(id -> id + " " + quote(id >= 0 && id < tokenizer.vocabulary().size()
                ? tokenizer.vocabulary().token(id) : "?")).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String quote(String s) {
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'";
    }

    private static synchronized Tally tally(String vocab, String kind) {
        return TALLIES.computeIfAbsent(vocab + "|" + kind, k -> new Tally());
    }

    /** One line per vocabulary, in the format the other tokenizer tests print, for the release note. */
    @AfterAll
    static void printTallies() {
        Map<String, StringBuilder> lines = new LinkedHashMap<>();
        TALLIES.forEach((key, t) -> {
            String[] parts = key.split("\\|");
            StringBuilder line = lines.computeIfAbsent(parts[0], v -> new StringBuilder("[tokenizer] " + v + ":"));
            line.append("  ").append(parts[1]).append(' ').append(t.passed.get()).append('/').append(t.total.get());
            if (t.cleanSpaces.get() > 0) {
                line.append(" (").append(t.cleanSpaces.get()).append(" rewritten by clean_spaces: pieces checked)");
            }
        });
        lines.values().forEach(System.out::println);
    }

    private static final class Tally {
        final AtomicInteger passed = new AtomicInteger();
        final AtomicInteger total = new AtomicInteger();
        final AtomicInteger cleanSpaces = new AtomicInteger();
    }
}
