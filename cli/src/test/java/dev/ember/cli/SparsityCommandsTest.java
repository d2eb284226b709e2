package dev.ember.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.ember.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember calibrate}, and {@code --sparsity} on {@code perplexity} and {@code run}, end to end. */
class SparsityCommandsTest {
    @TempDir
    Path dir;

    @Test
    void calibrateThenMeasureTheProfileAgainstDense() throws IOException {
        String model = SharedData.require("models/stories260K-f32.gguf").toString();
        String text = SharedData.require("reference/ppl-text.txt").toString();
        Path profile = dir.resolve("st.chess.gguf");
        CliTest.Run cal = run("calibrate", "--model", model, "--text-file", text, "--method", "chess",
                "--target-sparsity", "0.3", "--max-tokens", "512", "--no-progress", "-o", profile.toString());
        assertEquals(0, cal.status(), cal.err());
        assertTrue(Files.size(profile) > 0, "profile written");

        CliTest.Run ppl = run("perplexity", "--model", model, "--text-file", text, "--ctx", "128", "--sparsity",
                "chess:" + profile, "--json");
        assertEquals(0, ppl.status(), ppl.err());
        JsonNode json = new ObjectMapper().readTree(ppl.out());
        assertEquals("chess:" + profile, json.get("sparsity").asText());
        double dense = json.get("dense_ppl").asDouble();
        double sparse = json.get("ppl").asDouble();
        assertEquals(100 * (sparse / dense - 1), json.get("ppl_increase_percent").asDouble(), 1e-9);
        // calibrated on other tokens of the same text: the share skipped lands near the target
        assertEquals(0.3, json.get("sparsity_achieved").asDouble(), 0.1, json.toString());
        assertEquals(5, json.get("layer_sparsity").size());
        assertTrue(json.get("layer_recall") == null, "chess has no labels to recall: " + json);

        CliTest.Run gen = run("run", "--model", model, "--prompt", "Once upon a time", "-n", "8", "--temperature",
                "0", "--sparsity", "chess:" + profile);
        assertEquals(0, gen.status(), gen.err());
        assertTrue(gen.err().contains("sparsity chess:" + profile), gen.err());
        assertTrue(gen.err().matches("(?s).*; \\d+\\.\\d % of FFN neurons skipped.*"), gen.err());
        CliTest.Run genJson = run("run", "--model", model, "--prompt", "Once upon a time", "-n", "8",
                "--temperature", "0", "--sparsity", "chess:" + profile, "--json");
        assertEquals(0, genJson.status(), genJson.err());
        JsonNode g = new ObjectMapper().readTree(genJson.out());
        assertEquals(5, g.get("layer_sparsity").size());
        double achieved = g.get("sparsity_achieved").asDouble();
        assertTrue(achieved > 0 && achieved < 1, "sparsity " + achieved);
    }

    @Test
    void tealCalibrationThenAttentionSparsityInPerplexityAndRun() throws IOException {
        String model = SharedData.require("models/stories260K-f32.gguf").toString();
        String text = SharedData.require("reference/ppl-text.txt").toString();
        Path profile = dir.resolve("st.teal.gguf");
        CliTest.Run cal = run("calibrate", "--model", model, "--text-file", text, "--method", "teal",
                "--target-sparsity", "0.3", "--max-tokens", "512", "--no-progress", "-o", profile.toString());
        assertEquals(0, cal.status(), cal.err());
        assertTrue(cal.out().contains("use it with: ember run --sparsity attn:" + profile), cal.out());

        CliTest.Run ppl = run("perplexity", "--model", model, "--text-file", text, "--ctx", "128", "--sparsity",
                "attn:" + profile, "--json");
        assertEquals(0, ppl.status(), ppl.err());
        JsonNode json = new ObjectMapper().readTree(ppl.out());
        assertEquals(0.3, json.get("attention_sparsity_achieved").asDouble(), 0.1, json.toString());
        assertTrue(json.get("layer_sparsity") == null, "the FFN ran dense: " + json);

        CliTest.Run gen = run("run", "--model", model, "--prompt", "Once upon a time", "-n", "8", "--temperature",
                "0", "--sparsity", "attn:" + profile);
        assertEquals(0, gen.status(), gen.err());
        assertTrue(gen.err().matches("(?s).*; \\d+\\.\\d % of attention projection weight bytes skipped.*"), gen.err());
        CliTest.Run badCompose = run("calibrate", "--model", model, "--text-file", text, "--method", "teal",
                "--ppl-budget", "1", "--compose", "chess:/no/such.gguf", "--no-progress", "-o",
                dir.resolve("w.gguf").toString());
        assertEquals(1, badCompose.status());
        assertTrue(badCompose.err().contains("--compose chess:/no/such.gguf: ")
                && badCompose.err().contains("profile not found: /no/such.gguf"), badCompose.err());
        CliTest.Run wrong = run("calibrate", "--model", model, "--text-file", text, "--method", "chess",
                "--target-sparsity", "0.3", "--compose", "chess:x", "-o", dir.resolve("z.gguf").toString());
        assertEquals(2, wrong.status());
        assertTrue(wrong.err().contains("for --method teal"), wrong.err());
    }

    @Test
    void badCalibrationOptionsAreOneLine() {
        String model = SharedData.require("models/stories260K-f32.gguf").toString();
        String text = SharedData.require("reference/ppl-text.txt").toString();
        CliTest.Run both = run("calibrate", "--model", model, "--text-file", text, "--method", "chess",
                "--target-sparsity", "0.3", "--ppl-budget", "1", "-o", dir.resolve("x.gguf").toString());
        assertEquals(2, both.status());
        assertTrue(both.err().contains("not both"), both.err());
        assertEquals(1, both.err().strip().lines().filter(l -> !l.startsWith("WARNING")).count(), both.err());
        CliTest.Run missing = run("calibrate", "--model", model, "--text-file", "/no/such.txt", "--method", "chess",
                "--target-sparsity", "0.3", "-o", dir.resolve("y.gguf").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("text file not found: /no/such.txt"), missing.err());
    }
}
