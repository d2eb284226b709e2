package dev.ember.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.model.Config;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI as a user meets it: exit codes, one-line errors, and inspect on every shared model. */
class CliTest {
    /** What one CLI run printed and returned. */
    record Run(int status, String out, String err) { }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = EmberCli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(status, out.toString(), err.toString());
    }

    @TestFactory
    Stream<DynamicTest> inspectWorksOnEverySharedModel() throws IOException {
        Path models = SharedData.require("models");
        List<Path> files;
        try (Stream<Path> s = Files.list(models)) {
            files = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no .gguf files in " + models);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Run text = run("inspect", "--model", f.toString());
            assertEquals(0, text.status(), text.err());
            assertTrue(text.out().contains("general.architecture"), text.out());
            Run json = run("inspect", "--model", f.toString(), "--json");
            assertEquals(0, json.status(), json.err());
            JsonNode root = new ObjectMapper().readTree(json.out());
            try (GgufFile gguf = GgufFile.open(f)) {
                assertEquals(gguf.tensorInfos().size(), root.get("tensors").size());
                assertEquals(gguf.metadata().size(), root.get("metadata").size());
                JsonNode first = root.get("tensors").get(0);
                var info = gguf.tensorInfos().get(0);
                assertEquals(info.name(), first.get("name").asText());
                assertEquals(info.type().name(), first.get("type").asText());
                assertEquals(info.byteSize(), first.get("bytes").asLong());
                String arch = gguf.metadata().getString("general.architecture");
                if (Config.isSupported(gguf.metadata())) {
                    assertEquals(gguf.metadata().getInt(arch + ".block_count"),
                            root.get("config").get("layers").asInt());
                } else { // the shared folder also holds architectures Ember does not run yet (gemma2, phi3)
                    assertTrue(root.get("config").isNull(), arch + ": " + root.get("config"));
                    assertTrue(text.out().contains("architecture '" + arch + "' is not one Ember runs"), text.out());
                }
            }
        }));
    }

    @Test
    void inspectSummarizesLongArrays() {
        Run r = run("inspect", "--model", SharedData.require("models/stories260K-f32.gguf").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("... (512 STRING)"), "token list should be summarized");
        assertTrue(r.out().contains("config (llama): dim 64, layers 5, heads 8, kv heads 4"), r.out());
    }

    @Test
    void missingModelIsOneLineAndExitOne() {
        Run r = run("inspect", "--model", "/no/such/model.gguf");
        assertEquals(1, r.status());
        assertEquals("ember: model file not found: /no/such/model.gguf", r.err().strip());
    }

    @Test
    void corruptModelNamesTheProblem(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, new byte[] {'G', 'G', 'U', 'X', 3, 0, 0, 0});
        Run r = run("inspect", "--model", bad.toString());
        assertEquals(1, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("bad.gguf") && r.err().contains("magic"), r.err());
    }

    @Test
    void truncatedModelIsAClearError(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(SharedData.require("models/stories260K-q8_0.gguf"));
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        Run r = run("inspect", "--model", cut.toString());
        assertEquals(1, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("ends past the file size"), r.err());
    }

    @Test
    void badFlagsExitTwoWithAHint() {
        Run r = run("inspect", "--modle", "x");
        assertEquals(2, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("ember: unknown option or argument: --modle"), r.err());
        assertTrue(r.err().contains("--help"), r.err());
        assertEquals(2, run("no-such-command").status());
        assertEquals(2, run("inspect").status(), "--model is required");
    }

    /** The CLI's default and raw modes give llama-tokenize's ids (extra-cases.json, stories260K vocab). */
    @TestFactory
    Stream<DynamicTest> tokenizeMatchesLlamaTokenize() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(SharedData.require("tokenizer/extra-cases.json").toFile());
        String model = SharedData.require("models/stories260K-f32.gguf").toString();
        List<DynamicTest> tests = new java.util.ArrayList<>();
        for (JsonNode c : cases.get("cases")) {
            String text = new String(java.util.HexFormat.of().parseHex(c.get("utf8_hex").asText()),
                    java.nio.charset.StandardCharsets.UTF_8);
            JsonNode expected = c.get("results").get("stories260K-f32.gguf (models/)");
            tests.add(DynamicTest.dynamicTest("default: " + text, () -> {
                Run r = run("tokenize", "--model", model, "--text", text, "--json");
                assertEquals(0, r.status(), r.err());
                assertEquals(expected.get("default"), new ObjectMapper().readTree(r.out()).get("tokens"));
            }));
            tests.add(DynamicTest.dynamicTest("raw: " + text, () -> {
                Run r = run("tokenize", "--model", model, "--text", text, "--json", "--no-bos", "--no-parse-special");
                assertEquals(0, r.status(), r.err());
                JsonNode out = new ObjectMapper().readTree(r.out());
                assertEquals(expected.get("raw"), out.get("tokens"));
                assertEquals(out.get("tokens").size(), out.get("pieces").size());
            }));
        }
        return tests.stream();
    }

    @Test
    void tokenizeTextOutputShowsIdsAndPieces() {
        Run r = run("tokenize", "--model", SharedData.require("models/stories260K-f32.gguf").toString(),
                "--text", "Once upon a time");
        assertEquals(0, r.status(), r.err());
        // ids from the synth256 README, which shares this vocabulary: llama.cpp gives [1, 403, 407, 261, 378]
        assertEquals(List.of("     1 -> '<s>'", "   403 -> ' Once'", "   407 -> ' upon'", "   261 -> ' a'",
                "   378 -> ' time'"), r.out().lines().toList());
    }

    @Test
    void tokenizeOfAFileWithoutVocabularyIsOneLine(@TempDir Path dir) {
        Path f = dir.resolve("novocab.gguf");
        new dev.ember.gguf.GgufWriter().putString("general.architecture", "llama").write(f);
        Run r = run("tokenize", "--model", f.toString(), "--text", "hi");
        assertEquals(1, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("tokenizer.ggml.model"), r.err());
    }
}
