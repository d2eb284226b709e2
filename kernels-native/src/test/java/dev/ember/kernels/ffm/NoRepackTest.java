package dev.ember.kernels.ffm;

import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.SessionOptions;
import dev.ember.SharedData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code LoadOptions.repack(false)}: no copies of the weights, and the same logits as with them. */
class NoRepackTest {
    private static float[] logits(Path file, boolean repack, String sparsity, int[] prompt) {
        try (Model m = Model.load(file, LoadOptions.builder().threads(2).kernels("native").repack(repack).build())) {
            long before = NativeKernelProvider.repackedBytesOfEveryModel();
            float[] all = m.newSession(SessionOptions.builder().sparsity(sparsity).build())
                    .evaluate(prompt, 0, prompt.length, true);
            long made = NativeKernelProvider.repackedBytesOfEveryModel() - before;
            if (!repack) {
                assertEquals(0, made, "no repacked copies without repack");
            } else {
                assertTrue(made > 0, "the x8 copies of the Q4_0 matrices");
            }
            return Arrays.copyOf(all, prompt.length * m.config().vocabSize());
        }
    }

    /** A model's repacked copies are its own, and closing it frees them (not the garbage collector, later). */
    @Test
    void closingTheModelFreesItsCopies() {
        Path file = SharedData.require("models/tiny-silu-q4_0.gguf");
        long before = NativeKernelProvider.repackedBytesOfEveryModel();
        Model m = Model.load(file, LoadOptions.builder().threads(2).kernels("native").build());
        int[] prompt = m.tokenize("Once upon a time");
        m.newSession().evaluate(prompt, 0, prompt.length, false);
        assertTrue(NativeKernelProvider.repackedBytesOfEveryModel() > before, "copies made");
        m.close();
        assertEquals(before, NativeKernelProvider.repackedBytesOfEveryModel(), "freed with the model");
    }

    @Test
    void denseLogitsAreTheSameBitForBit() {
        Path file = SharedData.require("models/tiny-silu-q4_0.gguf");
        int[] prompt;
        try (Model m = Model.load(file)) {
            prompt = m.tokenize("Once upon a time there was a little dog");
        }
        // the row-by-row Q4_0 dot sums exactly as the eight-row kernel over its interleaved copy
        assertArrayEquals(logits(file, true, "none", prompt), logits(file, false, "none", prompt));
    }
}
