package dev.ember.cli;

import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.SessionOptions;
import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static dev.ember.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ember sparsify} with the native kernels: the file stores their neuron bundles, a session reads those
 * (not a copy built at load), and its logits equal the model's with the profile, bit for bit.
 */
class SparsifyCommandTest {
    @TempDir
    Path dir;

    private static float[] logits(Path model, String sparsity, int[] prompt) {
        return logits(model, sparsity, prompt, true);
    }

    private static float[] logits(Path model, String sparsity, int[] prompt, boolean repack) {
        try (Model m = Model.load(model, LoadOptions.builder().threads(2).kernels("native").repack(repack).build())) {
            float[] all = m.newSession(SessionOptions.builder().sparsity(sparsity).build())
                    .evaluate(prompt, 0, prompt.length, true);
            return Arrays.copyOf(all, prompt.length * m.config().vocabSize());
        }
    }

    @Test
    void sparsifiedFileRunsOnItsStoredBundles() throws IOException {
        String model = SharedData.require("models/tiny-silu-q4_0.gguf").toString();
        String text = SharedData.require("models/corpus-valid.txt").toString();
        Path profile = dir.resolve("tiny.chess.gguf");
        Path sparse = dir.resolve("tiny.sparse.gguf");
        CliTest.Run cal = run("calibrate", "--model", model, "--text-file", text, "--method", "chess",
                "--target-sparsity", "0.5", "--max-tokens", "512", "--no-progress", "-o", profile.toString());
        assertEquals(0, cal.status(), cal.err());
        CliTest.Run sp = run("sparsify", "--model", model, "--profile", profile.toString(), "-o", sparse.toString(),
                "--kernels", "native");
        assertEquals(0, sp.status(), sp.err());
        assertTrue(sp.out().contains("in frequency order, bundles ember-native-bundles-q4_0"), sp.out());

        int[] prompt;
        try (Model m = Model.load(Path.of(model))) {
            prompt = m.tokenize("The little girl found a shiny stone and");
        }
        float[] atLoad = logits(Path.of(model), "chess:" + profile, prompt);
        assertArrayEquals(atLoad, logits(sparse, "chess:" + sparse, prompt), "stored layouts = made at load");
        // without repacked copies the stored bundles still run (file pages, not copies)
        assertArrayEquals(atLoad, logits(sparse, "chess:" + sparse, prompt, false), "--no-repack on a sparse-ready file");

        // zero the first bundles in a copy: if the session read bundles of its own, nothing would change
        Path tampered = dir.resolve("tampered.gguf");
        Files.copy(sparse, tampered);
        try (GgufFile f = GgufFile.open(sparse); FileChannel ch = FileChannel.open(tampered, StandardOpenOption.WRITE)) {
            long at = f.dataOffset() + f.tensorInfos().stream().filter(i -> i.name().equals("blk.0.ffn_bundles"))
                    .findFirst().orElseThrow().offset();
            ch.write(ByteBuffer.allocate(64 * 1024), at);
        }
        assertFalse(Arrays.equals(atLoad, logits(tampered, "chess:" + tampered, prompt)),
                "the stored bundles are what the kernels read");

        CliTest.Run gen = run("run", "--model", sparse.toString(), "--prompt", "Once upon a time", "-n", "8",
                "--temperature", "0", "--sparsity", "chess:" + sparse);
        assertEquals(0, gen.status(), gen.err());
        CliTest.Run refused = run("sparsify", "--model", sparse.toString(), "--profile", profile.toString(), "-o",
                dir.resolve("again.gguf").toString());
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("already sparse-ready"), refused.err());
    }
}
