package dev.ember.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.SharedData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.ember.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember perplexity} against llama-perplexity's numbers (../shared/reference/perplexity.json). */
class PerplexityCommandTest {
    /** The bound: within 0.5 % of llama.cpp with an F32 KV cache. */
    static final double MAX_RELATIVE_ERROR = 0.005;

    @TestFactory
    Stream<DynamicTest> matchesLlamaPerplexityOnEveryStoriesFile() throws IOException {
        JsonNode results = new ObjectMapper().readTree(SharedData.require("reference/perplexity.json").toFile())
                .get("results");
        String text = SharedData.require("reference/ppl-text.txt").toString();
        List<DynamicTest> tests = new ArrayList<>();
        results.fieldNames().forEachRemaining(file -> tests.add(DynamicTest.dynamicTest(file, () -> {
            JsonNode expected = results.get(file).get("kv_f32");
            CliTest.Run r = run("perplexity", "--model", SharedData.require("models/" + file).toString(),
                    "--text-file", text, "--ctx", "128", "--threads", "2", "--json");
            assertEquals(0, r.status(), r.err());
            JsonNode got = new ObjectMapper().readTree(r.out());
            double ppl = got.get("ppl").asDouble();
            double want = expected.get("ppl").asDouble();
            System.out.printf("%-26s ember %.4f +/- %.4f   llama.cpp %.4f +/- %.4f   (%+.3f %%)%n", file, ppl,
                    got.get("ppl_stderr").asDouble(), want, expected.get("ppl_stderr").asDouble(),
                    100 * (ppl / want - 1));
            assertEquals(want, ppl, want * MAX_RELATIVE_ERROR, file);
            assertEquals(expected.get("ppl_stderr").asDouble(), got.get("ppl_stderr").asDouble(), 0.002);
            assertEquals(expected.get("n_chunks").asInt(), got.get("chunks").asInt());
            assertEquals(76 * 63, got.get("tokens_scored").asInt());
            assertEquals(76, r.err().lines().filter(l -> l.startsWith("perplexity: chunk ")).count(),
                    "one progress line per chunk");
        })));
        return tests.stream();
    }

    @Test
    void textOutputAndClearErrors(@TempDir Path dir) throws IOException {
        String model = SharedData.require("models/stories260K-q8_0.gguf").toString();
        Path shortText = Files.writeString(dir.resolve("short.txt"), "Once upon a time there was a cat.");
        CliTest.Run tooShort = run("perplexity", "--model", model, "--text-file", shortText.toString(), "--ctx", "128");
        assertEquals(1, tooShort.status());
        assertEquals(1, tooShort.err().strip().lines().count(), tooShort.err());
        assertTrue(tooShort.err().contains("needs at least 256"), tooShort.err());
        CliTest.Run missing = run("perplexity", "--model", model, "--text-file", dir.resolve("none.txt").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().startsWith("ember: text file not found"), missing.err());
        Path bad = Files.write(dir.resolve("bad.txt"), new byte[] {'a', (byte) 0xff, 'b'});
        CliTest.Run invalid = run("perplexity", "--model", model, "--text-file", bad.toString());
        assertTrue(invalid.status() == 1 && invalid.err().contains("not valid UTF-8"), invalid.err());
        CliTest.Run ctx = run("perplexity", "--model", model, "--text-file", shortText.toString(), "--ctx", "2");
        assertEquals(2, ctx.status(), ctx.err());
        String head = Files.readString(SharedData.require("reference/ppl-text.txt")).substring(0, 2000);
        Path text = Files.writeString(dir.resolve("head.txt"), head);
        CliTest.Run ok = run("perplexity", "--model", model, "--text-file", text.toString(), "--ctx", "64");
        assertEquals(0, ok.status(), ok.err());
        assertTrue(ok.out().startsWith("PPL = ") && ok.out().contains(" chunks of 64 tokens"), ok.out());
    }
}
