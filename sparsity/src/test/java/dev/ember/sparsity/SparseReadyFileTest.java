package dev.ember.sparsity;

import dev.ember.EmberException;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.SessionOptions;
import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.sparsity.calibrate.Calibrator;
import dev.ember.sparsity.profile.ModelHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember sparsify}'s file: the same logits as the layouts made at load, bit for bit, and tied to its source. */
class SparseReadyFileTest {
    @TempDir
    Path dir;

    private static Model load(Path p) {
        return Model.load(p, LoadOptions.builder().threads(2).kernels("scalar").build());
    }

    private static float[] logits(Model m, String sparsity, int[] prompt) {
        float[] all = m.newSession(SessionOptions.builder().sparsity(sparsity).build())
                .evaluate(prompt, 0, prompt.length, true);
        return Arrays.copyOf(all, prompt.length * m.config().vocabSize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"chess", "predictor"})
    void sparseReadyEqualsLayoutsMadeAtLoad(String method) throws IOException {
        Path source = SharedData.require("models/tiny-silu-q8_0.gguf");
        String text = Files.readString(SharedData.require("models/corpus-valid.txt")).substring(0, 6000);
        Path profile = dir.resolve(method + ".gguf");
        Path sparse = dir.resolve("tiny.sparse.gguf");
        int[] prompt;
        float[] atLoad;
        float[] withAttention;
        float[] dense;
        try (Model m = load(source)) {
            Calibrator.calibrate(m, text, new Calibrator.Options(method, 0.5, Double.NaN, 8, 3, 512, 64), profile, null);
            SparseReadyFile.Summary s = SparseReadyFile.write(m, profile, sparse, true);
            assertTrue(s.ordered(), "the profile's frequency order is stored");
            assertNull(s.kernelLayout(), "the scalar kernels have no layout of their own");
            prompt = m.tokenize("Once upon a time there was a little dog who");
            atLoad = logits(m, method + ":" + profile, prompt);
            withAttention = logits(m, method + ":" + profile + "+attn:0.3", prompt);
            dense = logits(m, "none", prompt);
        }
        try (Model s = load(sparse)) {
            GgufFile f = s.gguf();
            assertEquals(ModelHash.of(source), f.metadata().getString(SparseReadyFile.SOURCE_HASH_KEY));
            assertNotNull(f.findTensor("blk.0.ffn_down.sparse"));
            assertArrayEquals(atLoad, logits(s, method + ":" + sparse, prompt), "the profile inside the file");
            assertArrayEquals(atLoad, logits(s, method + ":" + profile, prompt), "the source's profile");
            assertArrayEquals(dense, logits(s, "none", prompt), "dense: the source's tensors");
            assertNotNull(f.findTensor(SparseReadyFile.attention("output", 0)), "TEAL's copies stored");
            assertArrayEquals(withAttention, logits(s, method + ":" + sparse + "+attn:0.3", prompt),
                    "attention sparsity over the stored input-major matrices");
            // the stored layout is what runs: zeroing a stored down row's bytes in a copy changes the logits
            Path tampered = dir.resolve("tampered.gguf");
            Files.copy(sparse, tampered);
            long at = f.dataOffset() + f.tensorInfos().stream().filter(i -> i.name().equals("blk.0.ffn_down.sparse"))
                    .findFirst().orElseThrow().offset();
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tampered,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.allocate((int) f.tensor("blk.0.ffn_down.sparse").rowBytes() * 8), at);
            }
            try (Model t = load(tampered)) {
                assertTrue(!Arrays.equals(atLoad, logits(t, method + ":" + tampered, prompt)),
                        "the first eight stored down rows (the hottest neurons) were read");
            }
            EmberException again = assertThrows(EmberException.class,
                    () -> SparseReadyFile.write(s, profile, dir.resolve("twice.gguf"), false));
            assertTrue(again.getMessage().contains("already sparse-ready"), again.getMessage());
        }
    }

    @Test
    void profileOfAnotherModelIsRefused() throws IOException {
        Path profile = dir.resolve("chess.gguf");
        String text = Files.readString(SharedData.require("models/corpus-valid.txt")).substring(0, 3000);
        try (Model m = load(SharedData.require("models/stories260K-f32.gguf"))) {
            Calibrator.calibrate(m, text, Calibrator.Options.chess(0.5).withMaxTokens(128), profile, null);
        }
        try (Model other = load(SharedData.require("models/tiny-silu-q8_0.gguf"))) {
            EmberException e = assertThrows(EmberException.class,
                    () -> SparseReadyFile.write(other, profile, dir.resolve("x.gguf"), false));
            assertTrue(e.getMessage().contains("calibrated for another model"), e.getMessage());
        }
    }
}
