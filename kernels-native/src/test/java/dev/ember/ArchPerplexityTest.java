package dev.ember;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Perplexity of the architectures besides plain llama against llama-perplexity, on the best kernels that load
 * here (native where its library runs: the scalar reference took 70 s for these ten files).
 */
class ArchPerplexityTest {
    /**
     * {@code ember perplexity --ctx 128} on ppl-text.txt within 0.5 % of llama-perplexity (F32 KV cache) for the
     * architectures besides plain llama ({@code reference/arch/perplexity.json}; random weights: the values are
     * huge, equality is what counts).
     */
    @ParameterizedTest
    @ValueSource(strings = {"synth-qwen2-F16.gguf", "synth-qwen2-Q8_0.gguf", "synth-llama3-F16.gguf",
            "synth-llama3-Q8_0.gguf", "synth-phi3-F16.gguf", "synth-phi3-Q8_0.gguf", "synth-gemma2-F16.gguf",
            "synth-gemma2-Q8_0.gguf", "synth-gemma2-46L-F16.gguf", "synth-gemma2-46L-Q8_0.gguf"})
    void architecturesMatchLlamaPerplexity(String file) throws IOException {
        JsonNode reference = new ObjectMapper().readTree(SharedData.require("reference/arch/perplexity.json").toFile());
        double expected = reference.get("ppl").get(file).asDouble();
        String text = Files.readString(SharedData.require("reference/ppl-text.txt"));
        try (Model model = Model.load(SharedData.require("models/" + file), LoadOptions.builder().threads(2).build())) {
            double ppl = Perplexity.compute(model, text, 128, null).perplexity();
            System.out.printf(java.util.Locale.ROOT, "perplexity %s: %.4f, llama.cpp %.4f (%+.3f %%)%n", file, ppl,
                    expected, 100 * (ppl / expected - 1));
            assertEquals(expected, ppl, expected * 0.005, file);
        }
    }

}
