package dev.ember.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember bench} end to end on the tiny synthetic model: every JSON field, and one-line errors. */
class BenchCliTest {
    private static final List<String> FIELDS = List.of("model", "quant", "threads", "kernels", "sparsity",
            "prefill_tokens_per_second", "decode_tokens_per_second", "bytes_per_token", "bandwidth_gb_per_second",
            "efficiency", "allocated_bytes_per_token", "load_average");

    @TempDir
    Path cache;

    private record Run(int status, String out, String err) {
    }

    private Run bench(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = BenchCli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void jsonHasEveryFieldAndTheSyntheticModelIsCached() throws Exception {
        Run r = bench("--synthetic", "tiny", "--quant", "q8_0", "--gen-tokens", "8", "--prompt-tokens", "8",
                "--threads", "2", "--repetitions", "2", "--cache-dir", cache.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        for (String field : FIELDS) {
            assertTrue(json.has(field), "missing " + field + " in " + r.out());
        }
        assertEquals("tiny", json.get("model").asText());
        assertEquals("q8_0", json.get("quant").asText());
        assertEquals(2, json.get("threads").asInt());
        assertEquals("none", json.get("sparsity").asText());
        // tiny: 4 layers x 786432 weights + output 131072 + one row of 256, in Q8_0 (34 bytes per 32)
        assertEquals((4L * 786432 + 131072 + 256) / 32 * 34, json.get("bytes_per_token").asLong());
        for (String positive : List.of("prefill_tokens_per_second", "decode_tokens_per_second",
                "bandwidth_gb_per_second", "efficiency")) {
            double v = json.get(positive).asDouble();
            assertTrue(v > 0 && Double.isFinite(v), positive + " = " + v);
        }
        try (var files = Files.list(cache)) {
            assertEquals(1, files.filter(f -> f.toString().endsWith(".gguf")).count(), "the model is cached");
        }
    }

    @Test
    void backgroundLoadAndMemoryAreReported() throws Exception {
        Run r = bench("--synthetic", "tiny", "--quant", "q4_0", "--gen-tokens", "8", "--prompt-tokens", "8",
                "--threads", "2", "--repetitions", "2", "--cache-dir", cache.toString(), "--background-load", "1",
                "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(1, json.get("background_threads").asInt());
        double idle = json.get("background_idle_decode_tokens_per_second").asDouble();
        double loaded = json.get("background_decode_tokens_per_second").asDouble();
        assertTrue(idle > 0 && loaded > 0, r.out());
        assertEquals(loaded / idle, json.get("background_ratio").asDouble(), 1e-9);
        if (Files.exists(Path.of("/proc/self/status"))) {
            assertTrue(json.get("rss_bytes").asLong() > json.get("bytes_per_token").asLong(), r.out());
        }
        if (json.get("kernels").asText().equals("native")) {
            // the x8 copy of every Q4_0 matrix but the output's last partial group: about the weights' size
            long repacked = json.get("repacked_bytes").asLong();
            assertTrue(repacked > json.get("bytes_per_token").asLong() / 2, "repacked " + repacked + ": " + r.out());
        }
        Run bad = bench("--synthetic", "tiny", "--quant", "q4_0", "--background-load", "-1", "--cache-dir",
                cache.toString());
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--background-load"), bad.err());
    }

    /**
     * --compare-llama-bench runs the program on the same file and settings and divides: a stand-in for llama-bench
     * (a shell script printing llama-bench's JSON and keeping its arguments), since no test may need llama.cpp.
     */
    @Test
    void comparesWithLlamaBenchOnTheSameFileAndSettings() throws Exception {
        Path args = cache.resolve("args.txt");
        Path fake = cache.resolve("llama-bench");
        Files.writeString(fake, "#!/bin/sh\necho \"$@\" > " + args + "\n"
                + "echo '[{\"build_commit\": \"c392e50\", \"n_prompt\": 8, \"n_gen\": 0, \"avg_ts\": 400.0},"
                + " {\"build_commit\": \"c392e50\", \"n_prompt\": 0, \"n_gen\": 8, \"avg_ts\": 50.0}]'\n");
        assertTrue(fake.toFile().setExecutable(true));
        Run r = bench("--synthetic", "tiny", "--quant", "q8_0", "--gen-tokens", "8", "--prompt-tokens", "8",
                "--threads", "2", "--repetitions", "2", "--cache-dir", cache.toString(), "--compare-llama-bench",
                fake.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(400.0, json.get("llama_cpp_prefill_tokens_per_second").asDouble());
        assertEquals(50.0, json.get("llama_cpp_decode_tokens_per_second").asDouble());
        assertEquals(json.get("prefill_tokens_per_second").asDouble() / 400.0, json.get("prefill_ratio").asDouble(), 1e-9);
        assertEquals(json.get("decode_tokens_per_second").asDouble() / 50.0, json.get("decode_ratio").asDouble(), 1e-9);
        assertEquals("c392e50", json.get("llama_cpp_commit").asText());
        String passed = Files.readString(args).strip();
        assertTrue(passed.matches("-m \\S+tiny\\S*\\.gguf -t 2 -p 8 -n 8 -r 2 -o json"), passed);

        Run missing = bench("--synthetic", "tiny", "--quant", "q8_0", "--gen-tokens", "4", "--prompt-tokens", "4",
                "--repetitions", "1", "--cache-dir", cache.toString(), "--compare-llama-bench", "/no/llama-bench");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("/no/llama-bench is not an executable llama-bench"), missing.err());
    }

    @Test
    void aQ4KMMixIsNamedAsLlamaCppNamesIt() throws Exception {
        Run r = bench("--synthetic", "tiny", "--quant", "q4_k_m", "--gen-tokens", "4", "--prompt-tokens", "4",
                "--threads", "2", "--repetitions", "1", "--cache-dir", cache.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals("q4_k_m", new ObjectMapper().readTree(r.out()).get("quant").asText());
        try (var files = Files.list(cache)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().equals("tiny-Q4_K_M-s42.gguf")), "cached by name");
        }
    }

    @Test
    void sparseRunsReportDenseInTheSameProcess() throws Exception {
        Run r = bench("--synthetic", "tiny", "--quant", "q8_0", "--gen-tokens", "8", "--prompt-tokens", "8",
                "--threads", "2", "--repetitions", "2", "--cache-dir", cache.toString(), "--sparsity",
                "synthetic:0.75", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("synthetic:0.75", json.get("sparsity").asText());
        double dense = json.get("dense_decode_tokens_per_second").asDouble();
        double sparse = json.get("decode_tokens_per_second").asDouble();
        assertTrue(dense > 0 && Double.isFinite(dense), "dense " + dense);
        assertEquals(sparse / dense, json.get("speedup").asDouble(), 1e-9);
        // tiny: ffn 768, each neuron idle with probability 0.75 per token and layer: over >= 16 tokens x 768 x 4
        // layers the share has a standard deviation of <= 0.002; 0.01 is five of them
        assertEquals(0.75, json.get("sparsity_achieved").asDouble(), 0.01);
        assertEquals(4, json.get("layer_sparsity").size());
        JsonNode where = json.get("decode_ms_per_token");
        for (String phase : List.of("select_ms", "ffn_ms", "rest_ms")) {
            assertTrue(where.get(phase).asDouble() >= 0, phase + " in " + where);
        }
        // the chosen neurons' bytes: gate, up and neuron-major down rows, Q8_0 rows of 256 values (8 blocks of 34
        // bytes) each, for the share of 768 neurons x 4 layers that ran (the reported share is the last
        // repetition's, the bytes the mean of both: within a few standard deviations of each other)
        double chosen = (1 - json.get("sparsity_achieved").asDouble()) * 768 * 4;
        assertEquals(chosen * 3 * 8 * 34, json.get("sparse_ffn_bytes_per_token").asDouble(), 0.02 * chosen * 816);
        for (String rate : List.of("sparse_ffn_gb_per_second", "dense_ffn_gb_per_second")) {
            double v = json.get(rate).asDouble();
            assertTrue(v > 0 && Double.isFinite(v), rate + " " + v);
        }
    }

    @Test
    void badInputGivesOneLineAndANonZeroExit() {
        Run sparse = bench("--synthetic", "tiny", "--quant", "q8_0", "--sparsity", "relu",
                "--cache-dir", cache.toString());
        assertEquals(1, sparse.status());
        assertTrue(sparse.err().contains("relu is exact only for models whose FFN activation is relu"), sparse.err());
        assertEquals(1, sparse.err().strip().lines().count(), sparse.err());

        Run noQuant = bench("--synthetic", "tiny", "--cache-dir", cache.toString());
        assertEquals(2, noQuant.status());
        assertTrue(noQuant.err().contains("--quant"), noQuant.err());

        Run unknown = bench("--synthetic", "gpt5", "--quant", "q8_0", "--cache-dir", cache.toString());
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().startsWith("ember bench: unknown synthetic model 'gpt5'"), unknown.err());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
    }
}
