package dev.ember.sparsity.calibrate;

import dev.ember.EmberException;
import dev.ember.GenerationRequest;
import dev.ember.Model;
import dev.ember.Perplexity;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.SharedData;
import dev.ember.sparsity.profile.ModelHash;
import dev.ember.sparsity.profile.SparsityProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember calibrate}'s library half, on the shared tiny models. */
class CalibratorTest {
    @TempDir
    Path dir;

    private static String text(int chars) throws IOException {
        String all = Files.readString(SharedData.require("models/corpus-valid.txt"));
        return all.substring(0, Math.min(chars, all.length()));
    }

    @Test
    void chessProfileHasPerLayerTausAndAchievesTheTargetInASession() throws IOException {
        Path modelPath = SharedData.require("models/stories260K-f32.gguf");
        Path out = dir.resolve("chess.gguf");
        try (Model model = Model.load(modelPath)) {
            Calibrator.Summary s = Calibrator.calibrate(model, text(6000),
                    Calibrator.Options.chess(0.5).withMaxTokens(512), out, null);
            int layers = model.config().layers();
            int ffn = model.config().ffnDim();
            assertEquals(layers, s.achieved().length);
            for (double a : s.achieved()) {
                assertEquals(0.5, a, 0.02);
            }
            try (SparsityProfile p = SparsityProfile.open(out, ModelHash.of(modelPath))) {
                assertEquals("chess", p.method());
                assertEquals(layers, p.layers());
                assertEquals("0.5", p.param("target_sparsity", null));
                for (int l = 0; l < layers; l++) {
                    assertEquals(ffn, p.floats("blk." + l + ".chess_tau").length);
                    // each neuron's activation frequency: its mean is the share that ran (1 - achieved sparsity)
                    float[] freq = p.floats("blk." + l + ".freq");
                    double mean = 0;
                    for (float f : freq) {
                        assertTrue(f >= 0 && f <= 1, "frequency " + f);
                        mean += f / freq.length;
                    }
                    assertEquals(1 - s.achieved()[l], mean, 1e-4, "layer " + l);
                }
            }
            Session session = model.newSession(SessionOptions.builder().contextLength(256)
                    .sparsity("chess:" + out).build());
            // held-out text: past the calibration slice
            int[] tokens = model.tokenize(text(20000).substring(8000));
            session.evaluate(tokens, 0, Math.min(256, tokens.length), false);
            assertNotNull(session.sparsityStats());
            double achieved = session.sparsityStats().sparsity();
            assertEquals(0.5, achieved, 0.1, "sparsity through a session: " + achieved);
        }
    }

    @Test
    void pplBudgetPicksAGridSparsityWithinTheBudget() throws IOException {
        Path modelPath = SharedData.require("models/stories260K-f32.gguf");
        Path out = dir.resolve("budget.gguf");
        try (Model model = Model.load(modelPath)) {
            Calibrator.Options o = new Calibrator.Options("chess", Double.NaN, 5, 16, 2, 512, 64);
            Calibrator.Summary s = Calibrator.calibrate(model, text(6000), o, out, null);
            assertTrue(s.sparsity() >= 0.1 && s.sparsity() <= 0.95, "chosen " + s.sparsity());
            assertTrue(s.sparsePpl() <= s.densePpl() * 1.05 + 1e-9, s.sparsePpl() + " vs " + s.densePpl());
            try (SparsityProfile p = SparsityProfile.open(out, null)) {
                assertEquals(Double.toString(s.sparsity()), p.param("target_sparsity", null));
            }
        }
    }

    @Test
    void predictorPplBudgetPicksTheLowestRecallWithinTheBudget() throws IOException {
        Path out = dir.resolve("pred-budget.gguf");
        try (Model model = Model.load(SharedData.require("models/stories260K-f32.gguf"))) {
            Calibrator.Options o = new Calibrator.Options("predictor", Double.NaN, 5, 16, 2, 512, 64);
            Calibrator.Summary s = Calibrator.calibrate(model, text(6000), o, out, null);
            assertTrue(s.sparsePpl() <= s.densePpl() * 1.05 + 1e-9, s.sparsePpl() + " vs " + s.densePpl());
            try (SparsityProfile p = SparsityProfile.open(out, null)) {
                double recall = Double.parseDouble(p.param("recall_target", "NaN"));
                assertTrue(java.util.Arrays.stream(Calibrator.RECALL_GRID).anyMatch(r -> r == recall), "recall " + recall);
                assertEquals(Double.toString(s.sparsePpl()), p.param("sparse_ppl", null));
            }
        }
    }

    @Test
    void profileOfAnotherModelIsRefused() throws IOException {
        Path out = dir.resolve("chess.gguf");
        try (Model model = Model.load(SharedData.require("models/stories260K-f32.gguf"))) {
            Calibrator.calibrate(model, text(2000), Calibrator.Options.chess(0.5).withMaxTokens(128), out, null);
        }
        try (Model other = Model.load(SharedData.require("models/tiny-relu-f32.gguf"))) {
            EmberException e = assertThrows(EmberException.class,
                    () -> other.newSession(SessionOptions.builder().sparsity("chess:" + out).build()));
            assertTrue(e.getMessage().contains("calibrated for another model"), e.getMessage());
        }
    }

    @Test
    void predictorProfileForAReluModel() throws IOException {
        Path modelPath = SharedData.require("models/tiny-relu-f32.gguf");
        Path out = dir.resolve("pred.gguf");
        try (Model model = Model.load(modelPath)) {
            Calibrator.Options o = new Calibrator.Options("predictor", Double.NaN, Double.NaN, 8, 3, 256, 64);
            Calibrator.Summary s = Calibrator.calibrate(model, text(4000), o, out, null);
            int layers = model.config().layers();
            assertEquals(layers, s.recall().length);
            for (double r : s.recall()) {
                assertTrue(r >= 0.98, "recall " + r);
            }
            try (SparsityProfile p = SparsityProfile.open(out, ModelHash.of(modelPath))) {
                assertEquals("predictor", p.method());
                assertEquals(1, p.floats("blk.0.pred_threshold").length);
                assertTrue(p.has("blk.0.freq"), "the labels' activation frequency");
            }
            Session session = model.newSession(SessionOptions.builder().contextLength(128)
                    .sparsity("predictor:" + out).build());
            session.generate(GenerationRequest.builder().prompt("Once upon a time").maxTokens(16).build());
            assertNotNull(session.sparsityStats());
            // a quality run measures the predictor's recall against its labels (act > 0) on the dense gate
            Perplexity.Result r = Perplexity.compute(model, text(4000), 64, "predictor:" + out, null);
            for (double recall : r.layerRecall()) {
                assertTrue(recall >= 0.8 && recall <= 1.0, "recall " + java.util.Arrays.toString(r.layerRecall()));
            }
            Perplexity.Result relu = Perplexity.compute(model, text(4000), 64, "relu", null);
            assertTrue(Double.isNaN(relu.layerRecall()[0]), "relu has no labels to recall");
        }
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(EmberException.class, () -> new Calibrator.Options("chess", 0.5, 5, 8, 1, 10, 16));
        assertThrows(EmberException.class, () -> new Calibrator.Options("chess", Double.NaN, Double.NaN, 8, 1, 10, 16));
        assertThrows(EmberException.class, () -> new Calibrator.Options("magic", 0.5, Double.NaN, 8, 1, 10, 16));
        assertThrows(EmberException.class, () -> new Calibrator.Options("chess", 1.0, Double.NaN, 8, 1, 10, 16));
    }
}
