package dev.ember.sparsity;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The frequency-ordered layout: a profile's permutation moves neurons, and changes no output. */
class NeuronLayoutTest {
    @TempDir
    Path dir;

    @Test
    void permuteAndCheckOrder() {
        int[] order = {2, 0, 3, 1};
        assertArrayEquals(new float[] {30, 10, 40, 20}, NeuronLayout.permute(new float[] {10, 20, 30, 40}, order));
        // two rows of four neurons
        assertArrayEquals(new float[] {3, 1, 4, 2, 7, 5, 8, 6},
                NeuronLayout.permuteColumns(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, order));
        assertThrows(IllegalArgumentException.class, () -> NeuronLayout.checkOrder(new int[] {0, 1, 1, 3}, 4, "o"));
        assertThrows(IllegalArgumentException.class, () -> NeuronLayout.checkOrder(new int[] {0, 1, 4, 2}, 4, "o"));
        assertThrows(IllegalArgumentException.class, () -> NeuronLayout.checkOrder(new int[] {0, 1, 2}, 4, "o"));
    }

    @Test
    void chunksOfEqualExpectedWork() {
        float[] skewed = new float[128];
        java.util.Arrays.fill(skewed, 0.05f);
        java.util.Arrays.fill(skewed, 0, 16, 1f); // 16 hot neurons, then a thin tail: 21.6 expected in all
        // a quarter each: 5.4 by neuron 5 (cut at 8), 10.8 by 10 (16), 16.2 by 19 (24)
        assertArrayEquals(new int[] {0, 8, 16, 24}, SparseFeedForward.balancedCuts(skewed, 4));
        float[] even = new float[128];
        java.util.Arrays.fill(even, 0.3f);
        assertArrayEquals(new int[] {0, 32, 64, 96}, SparseFeedForward.balancedCuts(even, 4));
    }

    /**
     * A profile calibrated with its frequency order, and the same profile without it: each token must choose
     * the same neurons in every layer (the selection is exact: the same gate rows or scores by another name),
     * and the logits may differ only by the order of the down projection's sums.
     */
    @ParameterizedTest
    @ValueSource(strings = {"chess", "predictor"})
    void frequencyOrderChangesNoOutput(String method) throws IOException {
        Path modelPath = SharedData.require("models/stories260K-f32.gguf");
        String text = Files.readString(SharedData.require("models/corpus-valid.txt")).substring(0, 6000);
        try (Model m = Model.load(modelPath, LoadOptions.builder().threads(2).kernels("scalar").build())) {
            int layers = m.config().layers();
            Path ordered = dir.resolve(method + ".gguf");
            Calibrator.Options o = new Calibrator.Options(method, 0.5, Double.NaN, 8, 3, 512, 64);
            Calibrator.calibrate(m, text, o, ordered, null);
            Path natural = dir.resolve(method + ".natural.gguf");
            boolean moved = false;
            try (SparsityProfile p = SparsityProfile.open(ordered, ModelHash.of(modelPath))) {
                for (int l = 0; l < layers; l++) {
                    int[] order = p.ints(ProfileTensors.order(l));
                    NeuronLayout.checkOrder(order, m.config().ffnDim(), "order");
                    float[] freq = p.floats(ProfileTensors.frequency(l));
                    for (int j = 1; j < order.length; j++) {
                        assertTrue(freq[order[j - 1]] >= freq[order[j]], "hottest first, layer " + l + " position " + j);
                        moved |= order[j] != j;
                    }
                }
                withoutOrder(p, natural, method.equals("chess")
                        ? List.of("chess_tau", "freq")
                        : List.of("pred_a", "pred_b", "pred_bias", "pred_threshold", "pred_label_tau", "freq"));
            }
            assertTrue(moved, "calibration's order is not the identity: the test would prove nothing");

            int[] prompt = m.tokenize(text.substring(3000, 3400));
            Session a = m.newSession(SessionOptions.builder().sparsity(method + ":" + ordered).build());
            Session b = m.newSession(SessionOptions.builder().sparsity(method + ":" + natural).build());
            int vocab = m.config().vocabSize();
            int n = Math.min(prompt.length, a.maxBatch());
            float[] la = a.evaluate(prompt, 0, n, true).clone();
            float[] lb = b.evaluate(prompt, 0, n, true);
            for (int l = 0; l < layers; l++) {
                assertEquals(b.sparsityStats().sparsity(l), a.sparsityStats().sparsity(l), 0.0,
                        method + ": neurons chosen in layer " + l);
            }
            assertTrue(a.sparsityStats().sparsity() > 0.01, "some neurons skipped: " + a.sparsityStats().sparsity());
            for (int t = 0; t < n; t++) {
                float scale = 0;
                float diff = 0;
                int bestA = 0;
                int bestB = 0;
                for (int v = 0; v < vocab; v++) {
                    int i = t * vocab + v;
                    scale = Math.max(scale, Math.abs(lb[i]));
                    diff = Math.max(diff, Math.abs(la[i] - lb[i]));
                    bestA = la[i] > la[t * vocab + bestA] ? v : bestA;
                    bestB = lb[i] > lb[t * vocab + bestB] ? v : bestB;
                }
                assertTrue(diff <= 1e-4f * scale, method + " token " + t + ": max |logit diff| " + diff);
                assertEquals(bestB, bestA, method + " token " + t + ": greedy choice");
            }
        }
    }

    /** Copies a profile's metadata and the named per-layer tensors, leaving out the order. */
    private static void withoutOrder(SparsityProfile p, Path out, List<String> perLayer) {
        SparsityProfile.Builder b = SparsityProfile.builder(p.method(), p.modelHash(), p.layers());
        p.params().forEach(b::param);
        for (int l = 0; l < p.layers(); l++) {
            for (String what : perLayer) {
                String name = "blk." + l + "." + what;
                if (p.has(name)) {
                    b.floats(name, p.floats(name), p.shape(name));
                }
            }
        }
        b.write(out);
    }
}
