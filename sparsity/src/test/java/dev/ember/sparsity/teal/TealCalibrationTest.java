package dev.ember.sparsity.teal;

import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.SharedData;
import dev.ember.sparsity.calibrate.Calibrator;
import dev.ember.sparsity.profile.ModelHash;
import dev.ember.sparsity.profile.ProfileTensors;
import dev.ember.sparsity.profile.SparsityProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember calibrate --method teal} and {@code attn:PROFILE} sessions, on stories260K. */
class TealCalibrationTest {
    @TempDir
    Path dir;

    private static String text() throws IOException {
        return Files.readString(SharedData.require("models/corpus-valid.txt"));
    }

    private static Model load() {
        return Model.load(SharedData.require("models/stories260K-f32.gguf"),
                LoadOptions.builder().threads(2).kernels("scalar").build());
    }

    @Test
    void calibratedThresholdsReachTheTargetOnHeldOutText() throws IOException {
        Path out = dir.resolve("teal.gguf");
        try (Model m = load()) {
            Calibrator.Summary s = Calibrator.calibrate(m, text().substring(0, 6000),
                    new Calibrator.Options("teal", 0.4, Double.NaN, 1, 1, 512, 64), out, null);
            assertEquals("teal", s.method());
            double mean = java.util.Arrays.stream(s.achieved()).average().orElse(0);
            try (SparsityProfile p = SparsityProfile.open(out, ModelHash.of(m.path()))) {
                assertEquals("teal", p.method());
                double skipped = 0;
                // F32 weights: the q/k/v block holds dim x (qDim + 2 kvDim) values, o qDim x dim
                double in = m.config().qDim() + 2.0 * m.config().kvDim();
                double o = m.config().qDim();
                for (int l = 0; l < m.config().layers(); l++) {
                    float[] levels = p.floats(ProfileTensors.attentionSparsity(l));
                    assertEquals(2, levels.length);
                    assertTrue(p.floats(ProfileTensors.attentionInputTau(l))[0] >= 0);
                    skipped += (in * levels[0] + o * levels[1]) / (in + o);
                }
                assertEquals(0.4, skipped / m.config().layers(), 0.026, "the greedy allocation meets its target");
                assertEquals(skipped / m.config().layers(), mean, 1e-6);
            }
            Session session = m.newSession(SessionOptions.builder().contextLength(128).sparsity("attn:" + out).build());
            int[] held = m.tokenize(text().substring(8000, 12000));
            session.evaluate(held, 0, 128, false);
            double achieved = session.sparsityStats().attentionSparsity();
            assertEquals(0.4, achieved, 0.1, "held-out tokens skip about the calibrated share: " + achieved);
            assertTrue(!session.sparsityStats().countsFfn(), "the FFN ran dense");
        }
    }

    /** A profile whose thresholds are all 0 reads every input: it must equal attn:0 bit for bit. */
    @Test
    void zeroThresholdsEqualAttnZero() {
        Path out = dir.resolve("zero.gguf");
        try (Model m = load()) {
            SparsityProfile.Builder b = SparsityProfile.builder("teal", ModelHash.of(m.path()), m.config().layers());
            for (int l = 0; l < m.config().layers(); l++) {
                b.floats(ProfileTensors.attentionInputTau(l), new float[] {0}, 1);
                b.floats(ProfileTensors.attentionOutputTau(l), new float[] {0}, 1);
            }
            b.write(out);
            int[] prompt = m.tokenize("Once upon a time there was a little girl named Lily");
            float[] zero = m.newSession(SessionOptions.builder().sparsity("attn:0").build())
                    .evaluate(prompt, 0, prompt.length, true).clone();
            Session s = m.newSession(SessionOptions.builder().sparsity("attn:" + out).build());
            float[] calibrated = s.evaluate(prompt, 0, prompt.length, true);
            int n = prompt.length * m.config().vocabSize();
            assertArrayEquals(java.util.Arrays.copyOf(zero, n), java.util.Arrays.copyOf(calibrated, n));
            assertEquals(0.0, s.sparsityStats().attentionSparsity(), 0.0);
        }
    }

    /** The budget covers the combination: perplexity is measured with the FFN method and the attention together. */
    @Test
    void pplBudgetCoversTheCombination() throws IOException {
        Path chess = dir.resolve("chess.gguf");
        Path teal = dir.resolve("teal.gguf");
        try (Model m = load()) {
            String text = text().substring(0, 6000);
            Calibrator.calibrate(m, text, Calibrator.Options.chess(0.2).withMaxTokens(512).withCtx(64), chess, null);
            Calibrator.Summary s = Calibrator.calibrate(m, text,
                    new Calibrator.Options("teal", Double.NaN, 3, 1, 1, 512, 64).withCompose("chess:" + chess), teal,
                    null);
            assertTrue(s.sparsePpl() <= s.densePpl() * 1.03, s.sparsePpl() + " vs dense " + s.densePpl());
            assertTrue(s.sparsity() >= 0.1, "a grid point was chosen: " + s.sparsity());
            try (SparsityProfile p = SparsityProfile.open(teal, ModelHash.of(m.path()))) {
                assertEquals("chess:" + chess, p.param("composed_with", null));
            }
            // the budget's perplexity is the combination's: measured again through a session, it is the same
            int[] tokens = m.tokenizer().encode(text, true, false);
            double again = dev.ember.Perplexity.compute(m, java.util.Arrays.copyOf(tokens, 512), 64,
                    "chess:" + chess + "+attn:" + teal, null).perplexity();
            assertEquals(s.sparsePpl(), again, 1e-9 * again);
        }
    }
}
