package dev.ember.model;

import dev.ember.EmberException;
import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Dequantize;
import dev.ember.tokenizer.Tokenizer;
import dev.ember.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Synthetic models: llama.cpp's keys and tensor layout, the shape asked for, deterministic per seed. */
class SyntheticModelTest {
    @TempDir
    Path dir;

    @Test
    void tinyHasTheShapeKeysAndTensorsLlamaCppExpects() {
        Path f = dir.resolve("tiny.gguf");
        SyntheticModel.write(f, SyntheticModel.TINY, GgmlType.Q8_0, 42);
        try (GgufFile gguf = GgufFile.open(f)) {
            var m = gguf.metadata();
            assertEquals("llama", m.getString("general.architecture"));
            assertEquals(7, m.getInt("general.file_type"));
            assertEquals(256, m.getInt("llama.embedding_length"));
            assertEquals(4, m.getInt("llama.block_count"));
            assertEquals(8, m.getInt("llama.attention.head_count"));
            assertEquals(4, m.getInt("llama.attention.head_count_kv"));
            assertEquals(768, m.getInt("llama.feed_forward_length"));
            assertEquals(32, m.getInt("llama.rope.dimension_count"));
            assertEquals(2 + 9 * 4 + 1, gguf.tensorInfos().size());
            assertEquals(GgmlType.F32, gguf.tensor("blk.3.ffn_norm.weight").type());
            Tensor down = gguf.tensor("blk.0.ffn_down.weight");
            assertEquals(GgmlType.Q8_0, down.type());
            assertEquals(768, down.shape().rowLength());
            assertEquals(256, down.shape().rows());
            assertEquals(128, gguf.tensor("blk.1.attn_k.weight").shape().rows());
            // values: uniform with std 1/sqrt(cols)
            float[] row = new float[768];
            Dequantize.row(down, 5, row);
            double sq = 0;
            for (float v : row) {
                sq += v * v;
            }
            assertEquals(1 / Math.sqrt(768), Math.sqrt(sq / row.length), 0.2 / Math.sqrt(768));
        }
    }

    /** Every llama.* / tokenizer.* / general.* key of a file llama.cpp wrote is there, with the same type. */
    @Test
    void keysAndTypesMatchAFileLlamaCppWrote() {
        Path f = dir.resolve("keys.gguf");
        SyntheticModel.write(f, SyntheticModel.TINY, GgmlType.F16, 2);
        try (GgufFile ours = GgufFile.open(f);
             GgufFile theirs = GgufFile.open(SharedData.require("models/stories260K-f32.gguf"))) {
            for (String key : theirs.metadata().keys()) {
                var expected = theirs.metadata().get(key);
                var got = ours.metadata().get(key);
                if (key.equals("general.name") || key.startsWith("tokenizer.ggml.padding")
                        || key.startsWith("tokenizer.ggml.seperator")) {
                    continue;
                }
                assertTrue(got != null, "missing " + key);
                assertEquals(expected.type(), got.type(), key);
            }
            assertEquals(GgmlType.F16, ours.tensor("token_embd.weight").type());
        }
    }

    @Test
    void tinyVocabularyIsSentencePieceWithBytesAndEnglishPieces() {
        Path f = dir.resolve("tiny-f32.gguf");
        SyntheticModel.write(f, SyntheticModel.TINY, GgmlType.F32, 1);
        try (GgufFile gguf = GgufFile.open(f)) {
            Tokenizer tok = Tokenizers.fromGguf(gguf.metadata());
            assertEquals(512, tok.vocabulary().size());
            assertEquals("<0x41>", tok.vocabulary().token(3 + 0x41));
            int[] ids = tok.encode("Once upon a time, the little dog", true, false);
            assertEquals(1, ids[0], "BOS first");
            assertTrue(ids.length <= 12, "common words are whole pieces: " + Arrays.toString(ids));
            assertEquals("Once upon a time, the little dog", tok.decode(ids).strip());
            assertEquals("é", tok.decode(tok.encode("é", false, false)), "byte fallback");
            Config c = Config.fromGguf(gguf.metadata());
            assertEquals(512, c.vocabSize());
            assertEquals(2048, c.contextLength());
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherWeights() throws IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        SyntheticModel.write(a, SyntheticModel.TINY, GgmlType.Q4_0, 7);
        SyntheticModel.write(b, SyntheticModel.TINY, GgmlType.Q4_0, 7);
        SyntheticModel.write(c, SyntheticModel.TINY, GgmlType.Q4_0, 8);
        assertEquals(-1, Files.mismatch(a, b));
        assertTrue(Files.mismatch(a, c) >= 0);
    }

    @Test
    void presetsHaveTheRealShapesAndTiedOutputIsLeftOut() {
        assertEquals(SyntheticModel.TINYLLAMA_1_1B, SyntheticModel.preset("tinyllama-1.1b"));
        var l3 = SyntheticModel.preset("llama3.2-1b");
        assertEquals(128256, l3.vocabSize());
        assertTrue(l3.tiedOutput());
        assertEquals(1_235_814_400L, l3.parameters(), "Llama 3.2 1B: 1.24 B parameters");
        assertEquals(6_738_415_616L, SyntheticModel.LLAMA2_7B.parameters(), "Llama 2 7B: 6.74 B parameters");
        EmberException e = assertThrows(EmberException.class, () -> SyntheticModel.preset("gpt5"));
        assertTrue(e.getMessage().contains("tinyllama-1.1b"), e.getMessage());
        var tied = new SyntheticModel.Preset("tied", 64, 1, 2, 1, 128, 512, 128, 10000f, true);
        Path f = dir.resolve("tied.gguf");
        SyntheticModel.write(f, tied, GgmlType.F16, 3);
        try (GgufFile gguf = GgufFile.open(f)) {
            assertNull(gguf.findTensor("output.weight"));
            assertFalse(gguf.tensorInfos().isEmpty());
        }
    }

    @Test
    void typesThatCannotBeWrittenAreClearErrors() {
        EmberException e = assertThrows(EmberException.class,
                () -> SyntheticModel.write(dir.resolve("x.gguf"), SyntheticModel.TINY, GgmlType.Q2_K, 1));
        assertTrue(e.getMessage().contains("Q2_K"), e.getMessage());
        var odd = new SyntheticModel.Preset("odd", 96, 1, 2, 1, 160, 512, 128, 10000f, false);
        assertThrows(EmberException.class, () -> SyntheticModel.write(dir.resolve("y.gguf"), odd, GgmlType.Q4_K, 1));
        assertArrayEquals(new byte[0], new byte[0]);
    }

    /** Q4_K_M as llama.cpp's quantizer mixes it: Q6_K for the output and, in the layers that get more bits, attn_v and ffn_down. */
    @Test
    void q4KMixFollowsLlamaCppsRule() {
        Path f = dir.resolve("mix.gguf");
        SyntheticModel.write(f, SyntheticModel.TINY, SyntheticModel.Recipe.Q4_K_M, 5);
        try (dev.ember.gguf.GgufFile g = dev.ember.gguf.GgufFile.open(f)) {
            assertEquals(15, g.metadata().getLong("general.file_type"));
            assertEquals(GgmlType.Q6_K, g.tensor("output.weight").type());
            assertEquals(GgmlType.Q4_K, g.tensor("token_embd.weight").type());
            // 4 layers: n/8 = 0, 7n/8 = 3, so layers 2 ((2 - 0) % 3 == 2) and 3 get more bits
            for (int l = 0; l < 4; l++) {
                GgmlType more = l >= 2 ? GgmlType.Q6_K : GgmlType.Q4_K;
                assertEquals(more, g.tensor("blk." + l + ".attn_v.weight").type(), "attn_v " + l);
                assertEquals(more, g.tensor("blk." + l + ".ffn_down.weight").type(), "ffn_down " + l);
                assertEquals(GgmlType.Q4_K, g.tensor("blk." + l + ".attn_q.weight").type());
                assertEquals(GgmlType.Q4_K, g.tensor("blk." + l + ".ffn_up.weight").type());
            }
        }
        // llama.cpp's rule for 22 layers (TinyLlama): 0, 1, 4, 7, 10, 13, 16, 19, 20, 21
        java.util.List<Integer> more = new java.util.ArrayList<>();
        for (int l = 0; l < 22; l++) {
            if (SyntheticModel.Recipe.moreBits(l, 22)) {
                more.add(l);
            }
        }
        assertEquals(java.util.List.of(0, 1, 4, 7, 10, 13, 16, 19, 20, 21), more);
        try (dev.ember.Model m = dev.ember.Model.load(f)) {
            float[] logits = m.newSession().evaluate(m.tokenize("hello"), 0, 1, false);
            assertTrue(Float.isFinite(logits[0]), "the mix runs: " + logits[0]);
        }
    }
}
