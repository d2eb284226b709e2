package dev.ember.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static dev.ember.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember run}: DESIGN.md's JSON object, streamed text with a summary line, one-line errors. */
class RunCommandTest {
    static String model() {
        return SharedData.require("models/stories260K-f32.gguf").toString();
    }

    @Test
    void jsonHasDesignsFieldsAndLlamaCppsGreedyTokens() throws IOException {
        JsonNode reference = new ObjectMapper().readTree(SharedData.require("reference/stories260K-f32.greedy.json")
                .toFile()).get("runs").get(1);
        CliTest.Run r = run("run", "--model", model(), "--prompt", reference.get("prompt").asText(),
                "--max-tokens", "100", "--temperature", "0", "--threads", "2", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(List.of("prompt_tokens", "tokens", "text", "stop_reason", "prefill", "decode", "kernels",
                "threads", "sparsity"), iterate(json));
        assertEquals(reference.get("prompt_token_ids"), json.get("prompt_tokens"));
        assertEquals(reference.get("generated_token_ids"), json.get("tokens"));
        assertEquals(reference.get("generated_text").asText(), json.get("text").asText());
        assertEquals("max_tokens", json.get("stop_reason").asText());
        assertEquals(List.of("tokens", "seconds", "tokens_per_second"), iterate(json.get("decode")));
        assertEquals(100, json.get("decode").get("tokens").asInt());
        assertEquals(reference.get("n_prompt").asInt(), json.get("prefill").get("tokens").asInt());
        assertTrue(json.get("decode").get("tokens_per_second").asDouble() > 0);
        assertEquals(2, json.get("threads").asInt());
        assertEquals("none", json.get("sparsity").asText());
        assertTrue(json.get("kernels").asText().matches("scalar|simd|native"), json.toString());
    }

    @Test
    void textStreamsThePromptAndContinuationWithASummaryOnStderr() {
        CliTest.Run r = run("run", "--model", model(), "--prompt", "Once upon a time", "-n", "12",
                "--temperature", "0.8", "--seed", "3", "--top-k", "20", "--top-p", "0.9", "--min-p", "0.1",
                "--repeat-penalty", "1.1", "--kernels", "scalar", "--threads", "1", "--ctx", "256");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Once upon a time") && r.out().length() > 30, r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().matches("(?s)ember: prompt 5 tokens .*generated 12 tokens .*tok/s.*kernels scalar, "
                + "1 threads, sparsity none; stop: max_tokens\\s*"), r.err());
        CliTest.Run again = run("run", "--model", model(), "--prompt", "Once upon a time", "-n", "12",
                "--temperature", "0.8", "--seed", "3", "--top-k", "20", "--top-p", "0.9", "--min-p", "0.1",
                "--repeat-penalty", "1.1", "--kernels", "scalar", "--threads", "1", "--ctx", "256");
        assertEquals(r.out(), again.out(), "same seed, same text");
    }

    @Test
    void badFlagsAndFilesAreOneLineAndNonZero() {
        expectOneLine(2, "--temperature", run("run", "--model", model(), "--prompt", "x", "--temperature", "-1"),
                "temperature must be >= 0");
        expectOneLine(2, "--top-p", run("run", "--model", model(), "--prompt", "x", "--top-p", "0"), "top-p");
        expectOneLine(2, "--kernels", run("run", "--model", model(), "--prompt", "x", "--kernels", "gpu"), "gpu");
        expectOneLine(2, "--sparsity", run("run", "--model", model(), "--prompt", "x", "--sparsity", "cats:0.5"),
                "unknown sparsity method 'cats'");
        expectOneLine(2, "--max-tokens", run("run", "--model", model(), "--prompt", "x", "-n", "lots"), "lots");
        expectOneLine(2, "unknown flag", run("run", "--model", model(), "--prompt", "x", "--temprature", "1"),
                "unknown option or argument: --temprature");
        expectOneLine(2, "no prompt", run("run", "--model", model()), "--prompt");
        expectOneLine(1, "missing model", run("run", "--model", "/no/such.gguf", "--prompt", "x"),
                "model file not found: /no/such.gguf");
        expectOneLine(1, "long prompt", run("run", "--model", model(), "--prompt", "Once upon a time", "--ctx", "3"),
                "the prompt is 5 tokens but the context holds 3");
    }

    static void expectOneLine(int status, String what, CliTest.Run r, String contains) {
        assertEquals(status, r.status(), what + ": " + r.err());
        assertEquals(1, r.err().strip().lines().count(), what + ": " + r.err());
        assertTrue(r.err().startsWith("ember: ") && r.err().contains(contains), what + ": " + r.err());
    }

    private static List<String> iterate(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
