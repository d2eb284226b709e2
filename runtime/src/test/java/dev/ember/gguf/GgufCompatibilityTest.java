package dev.ember.gguf;

import dev.ember.SharedData;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files written by llama.cpp and gguf-py (../shared/models): Ember reads them, and writing one
 * back with {@link GgufWriter} (metadata copied, tensors copied in file order) gives the same
 * bytes. All of these files share llama.cpp's layout (checked by reading their headers): v3,
 * alignment 32, tensors packed in info order, each padded to 32 with zeros, the last one too.
 */
class GgufCompatibilityTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "stories260K-f32.gguf", "stories260K-f16.gguf", "stories260K-q4_0.gguf", "stories260K-q4_1.gguf",
        "stories260K-q4_k_m.gguf", "stories260K-q5_0.gguf", "stories260K-q5_1.gguf", "stories260K-q6_k.gguf",
        "stories260K-q8_0.gguf",
        "synth256-F16.gguf", "synth256-BF16.gguf", "synth256-Q8_0.gguf", "synth256-Q4_0.gguf", "synth256-Q4_1.gguf",
        "synth256-Q5_0.gguf", "synth256-Q5_1.gguf", "synth256-Q2_K.gguf", "synth256-Q3_K_M.gguf",
        "synth256-Q4_K_M.gguf", "synth256-Q5_K_M.gguf", "synth256-Q6_K.gguf",
        "tiny-silu-f32.gguf", "tiny-silu-q8_0.gguf", "tiny-silu-q4_0.gguf",
        "tiny-relu-f32.gguf", "tiny-relu-q8_0.gguf", "tiny-relu-q4_0.gguf",
    })
    void rewritingAModelGivesTheSameBytes(String name) throws IOException {
        Path in = SharedData.require("models/" + name);
        Path out = dir.resolve(name);
        try (GgufFile f = GgufFile.open(in)) {
            GgufWriter w = new GgufWriter().putAll(f.metadata());
            for (GgufTensorInfo ti : f.tensorInfos()) {
                Tensor t = f.tensor(ti.name());
                w.addTensor(ti.name(), t.type(), t.shape(), t.data());
            }
            w.write(out);
        }
        long mismatch = Files.mismatch(in, out);
        System.out.printf("GGUF rewrite %-26s %9d bytes: %s%n", name, Files.size(in),
                mismatch < 0 ? "byte-identical" : "differs at byte " + mismatch);
        assertEquals(-1, mismatch, name + ": first differing byte (input " + Files.size(in) + " bytes, output "
                + Files.size(out) + ")");
    }

    @Test
    void readsStories260KAsTheReadmeDescribesIt() {
        try (GgufFile f = GgufFile.open(SharedData.require("models/stories260K-q4_0.gguf"))) {
            assertEquals(3, f.version());
            assertEquals(48, f.tensors().size());
            assertEquals("llama", f.metadata().getString("general.architecture"));
            assertEquals(64, f.metadata().getInt("llama.embedding_length"));
            assertEquals(512, f.metadata().getInt("llama.context_length"));
            assertEquals(512, f.metadata().getStringArray("tokenizer.ggml.tokens").length);
            Tensor down = f.tensor("blk.0.ffn_down.weight");
            assertEquals(GgmlType.F16, down.type());
            assertEquals(new Shape(172, 64), down.shape());
            assertEquals(GgmlType.Q4_0, f.tensor("token_embd.weight").type());
            assertEquals(GgmlType.Q8_0, f.tensor("output.weight").type());
            assertEquals(GgmlType.F32, f.tensor("blk.4.attn_norm.weight").type());
        }
    }

    @Test
    void readsTheTinyModelsOwnKey() {
        try (GgufFile f = GgufFile.open(SharedData.require("models/tiny-relu-q8_0.gguf"))) {
            assertEquals("relu", f.metadata().getString("ember.ffn_activation"));
            assertEquals(57, f.tensors().size());
            assertEquals(new Shape(704, 256), f.tensor("blk.5.ffn_down.weight").shape());
        }
    }

    /**
     * A 150k-token BPE vocabulary is almost all header strings: it is where string decoding shows.
     * The time is logged, never asserted (this JVM is warm from other tests; see the report for cold).
     */
    @Test
    void readsTheQwen2VocabularyQuickly() {
        Path p = SharedData.require("tokenizer/ggml-vocab-qwen2.gguf");
        long t0 = System.nanoTime();
        try (GgufFile f = GgufFile.open(p)) {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String[] tokens = f.metadata().getStringArray("tokenizer.ggml.tokens");
            String[] merges = f.metadata().getStringArray("tokenizer.ggml.merges");
            System.out.printf("GGUF open %s: %d ms (%d tokens, %d merges)%n", p.getFileName(), ms, tokens.length,
                    merges.length);
            assertTrue(tokens.length > 150_000, "tokens: " + tokens.length);
            assertTrue(merges.length > 150_000, "merges: " + merges.length);
            assertEquals(tokens.length, f.metadata().getIntArray("tokenizer.ggml.token_type").length);
            assertEquals("!", tokens[0]);
            assertEquals("Ġ Ġ", merges[0]);
        }
    }
}
