package dev.ember.sparsity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.EmberException;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.SharedData;
import dev.ember.sparsity.profile.ModelHash;
import dev.ember.sparsity.profile.SparsityProfile;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Dequantize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sparse FFN through the public API, on the real models in ../shared. */
class SparseFeedForwardTest {
    private static final int GENERATED = 32;

    /** Greedy tokens after a prompt, and the logits of the first step. */
    private record Greedy(int[] tokens, float[] firstLogits) {
    }

    private static Greedy greedy(Session s, int[] prompt, int n) {
        s.reset();
        int vocab = s.model().config().vocabSize();
        float[] logits = s.evaluate(prompt, 0, prompt.length, false);
        float[] first = Arrays.copyOf(logits, vocab);
        int[] out = new int[n];
        int[] next = new int[1];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int v = 1; v < vocab; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            out[i] = best;
            next[0] = best;
            logits = s.evaluate(next, 0, 1, false);
        }
        return new Greedy(out, first);
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static Model load(String file, String kernels) {
        return Model.load(SharedData.require("models/" + file), LoadOptions.builder().threads(2).kernels(kernels).build());
    }

    @ParameterizedTest
    @CsvSource({"tiny-relu-f32.gguf, once-upon-a-time, scalar", "tiny-relu-f32.gguf, she-opened-the-box-and, scalar",
            "tiny-relu-f32.gguf, the-little-dog, scalar"})
    void reluExactGivesDenseGreedyTokens(String file, String prompt, String kernels) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(SharedData.require("reference/tiny-relu--" + prompt + ".json").toFile());
        int[] ids = new int[ref.get("prompt_token_ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ref.get("prompt_token_ids").get(i).asInt();
        }
        try (Model m = load(file, kernels)) {
            Greedy dense = greedy(m.newSession(), ids, GENERATED);
            Session relu = m.newSession(SessionOptions.builder().sparsity("relu").build());
            Greedy sparse = greedy(relu, ids, GENERATED);
            assertArrayEquals(dense.tokens(), sparse.tokens(), file + ": relu-exact greedy tokens differ from dense");
            float scale = 0;
            for (float v : dense.firstLogits()) {
                scale = Math.max(scale, Math.abs(v));
            }
            // F32: only the order of the down projection's sums differs. Quantized: the dense down projection
            // multiplies Q8_0-quantized activations, the sparse one float ones (and a re-quantized copy).
            float tolerance = file.contains("f32") ? 1e-4f * scale : 0.05f * scale;
            float diff = maxAbsDiff(dense.firstLogits(), sparse.firstLogits());
            assertTrue(diff <= tolerance, file + ": max |logit diff| " + diff + " > " + tolerance);
            // a ProSparse-style model leaves most neurons at exactly zero (the README says ~93 %)
            assertTrue(relu.sparsityStats().sparsity() > 0.5, "sparsity " + relu.sparsityStats().sparsity());
            if (file.contains("f32") && kernels.equals("scalar")) {
                int[] expected = new int[GENERATED];
                for (int i = 0; i < GENERATED; i++) {
                    expected[i] = ref.get("generated_token_ids").get(i).asInt();
                }
                assertArrayEquals(expected, sparse.tokens(), "relu-exact vs the PyTorch reference's greedy tokens");
            }
        }
    }

    /**
     * On quantized files the sparse down projection differs from dense in arithmetic (float activations against a
     * re-quantized neuron-major copy, where dense quantizes the activations to Q8_0), so dense's tokens are not
     * the test there: skipping must change nothing against the same sparse FFN over every neuron, bit for bit.
     */
    @ParameterizedTest
    @CsvSource({"tiny-relu-q8_0.gguf", "tiny-relu-q4_0.gguf", "tiny-relu-f32.gguf"})
    void reluSkipsOnlyNeuronsThatAddNothing(String file) {
        try (Model m = load(file, "scalar")) {
            int[] prompt = m.tokenize("She opened the box and");
            Session relu = m.newSession(SessionOptions.builder().sparsity("relu").build());
            Session all = m.newSession(SessionOptions.builder().sparsity("synthetic:0:gate").build());
            float[] r = relu.evaluate(prompt, 0, prompt.length, true).clone();
            float[] a = all.evaluate(prompt, 0, prompt.length, true);
            int n = prompt.length * m.config().vocabSize();
            assertArrayEquals(Arrays.copyOf(a, n), Arrays.copyOf(r, n), file + ": every position's logits");
            assertTrue(relu.sparsityStats().sparsity() > 0.5, "sparsity " + relu.sparsityStats().sparsity());
        }
    }

    @ParameterizedTest
    @CsvSource({"stories260K-f32.gguf, synthetic:0", "stories260K-f32.gguf, synthetic:0:gate",
            "tiny-relu-f32.gguf, synthetic:0", "tiny-relu-q8_0.gguf, synthetic:0:gate",
            // a GELU FFN (gemma2) and a fused gate+up (phi3)
            "synth-gemma2-F16.gguf, synthetic:0", "synth-gemma2-F16.gguf, synthetic:0:gate",
            "synth-phi3-F16.gguf, synthetic:0", "synth-phi3-Q8_0.gguf, synthetic:0:gate"})
    void everyNeuronChosenEqualsDense(String file, String spec) {
        try (Model m = load(file, "scalar")) {
            int[] prompt = m.tokenize("Once upon a time there was");
            Session dense = m.newSession();
            Session all = m.newSession(SessionOptions.builder().sparsity(spec).build());
            float[] d = dense.evaluate(prompt, 0, prompt.length, true).clone();
            float[] s = all.evaluate(prompt, 0, prompt.length, true);
            float scale = 0;
            for (int i = 0; i < d.length; i++) {
                scale = Math.max(scale, Math.abs(d[i]));
            }
            float tolerance = file.contains("f32") ? 1e-4f * scale : 0.05f * scale;
            int n = prompt.length * m.config().vocabSize();
            float diff = maxAbsDiff(Arrays.copyOf(d, n), Arrays.copyOf(s, n));
            assertTrue(diff <= tolerance, file + " " + spec + ": max |logit diff| " + diff + " > " + tolerance);
            assertEquals(0.0, all.sparsityStats().sparsity(), 1e-12, "every neuron ran");
        }
    }

    @Test
    void syntheticSkipsTheAskedShare() {
        try (Model m = load("stories260K-f32.gguf", "scalar")) {
            Session s = m.newSession(SessionOptions.builder().sparsity("synthetic:0.75").build());
            greedy(s, m.tokenize("Once upon a time"), 40);
            // each neuron idle with probability 0.75 per token: over ~45 tokens x 172 neurons a layer's share has
            // a standard deviation of ~0.005; 0.03 is six of them
            for (int l = 0; l < m.config().layers(); l++) {
                assertEquals(0.75, s.sparsityStats().sparsity(l), 0.03, "layer " + l);
            }
        }
    }

    @Test
    void coreInferShrinksDecodeToTheCoreSet() {
        try (Model m = load("tiny-relu-f32.gguf", "scalar")) {
            Session s = m.newSession(SessionOptions.builder().sparsity("coreinfer").build());
            greedy(s, m.tokenize("Once upon a time there was a little girl named Lily. She loved to play"), 8);
            double sparsity = s.sparsityStats().sparsity();
            assertTrue(sparsity > 0 && sparsity < 1, "decode ran over a proper subset: " + sparsity);
            Session capped = m.newSession(SessionOptions.builder().sparsity("coreinfer:0.4,0.2,10").build());
            greedy(capped, m.tokenize("Once upon a time there was a little girl named Lily. She loved to play"), 4);
            int ffn = m.config().ffnDim();
            for (int l = 0; l < m.config().layers(); l++) {
                assertTrue(capped.sparsityStats().sparsity(l) >= 1.0 - 10.0 / ffn - 1e-9, "cap of 10, layer " + l);
            }
        }
    }

    @Test
    void zipfChancesKeepTheShareAndPutTheHotNeuronsFirst() {
        for (double share : new double[] {0.1, 0.3, 0.5}) {
            double[] p = SyntheticSelector.probabilities(share, 1.0, 5632);
            assertEquals(share * 5632, Arrays.stream(p).sum(), 1e-6 * 5632, "the expected share");
            for (int i = 1; i < p.length; i++) {
                assertTrue(p[i] <= p[i - 1] && p[i] > 0 && p[i - 1] <= 1, "falling chances at " + i);
            }
            assertEquals(1.0, p[0], 1e-12, "the hottest neuron always runs at these shares");
        }
        double[] uniform = SyntheticSelector.probabilities(0.3, 0, 100);
        assertTrue(Arrays.stream(uniform).allMatch(v -> v == 0.3));
        SparsitySpec spec = SparsitySpec.parse("synthetic:0.9:zipf");
        assertEquals(SparsitySpec.DEFAULT_ZIPF, spec.zipf());
        assertEquals(0.5, SparsitySpec.parse("synthetic:0.9:gate:zipf=0.5").zipf());
        assertTrue(SparsitySpec.parse("synthetic:0.9:zipf=0.5:gate").gate());
        try (Model m = load("stories260K-f32.gguf", "scalar")) {
            Session s = m.newSession(SessionOptions.builder().sparsity("synthetic:0.75:zipf=1.2").build());
            int[] prompt = m.tokenize("Once upon a time there was a little girl who liked to run in the park");
            s.evaluate(prompt, 0, prompt.length, false);
            assertEquals(0.75, s.sparsityStats().sparsity(), 0.05, "the share holds with the skew");
        }
    }

    @Test
    void badSpecsAreClearErrors() {
        try (Model m = load("stories260K-f32.gguf", "scalar")) {
            EmberException relu = assertThrows(EmberException.class,
                    () -> m.newSession(SessionOptions.builder().sparsity("relu").build()));
            assertTrue(relu.getMessage().contains("relu is exact only for models whose FFN activation is relu"),
                    relu.getMessage());
            for (String[] c : new String[][] {{"synthetic:1.5", "in [0, 1)"}, {"synthetic:x", "must be a number"},
                    {"synthetic:0.5:up", "':gate'"}, {"synthetic:0.5:zipf=9", "(0, 4]"},
                    {"synthetic:0.5:gate:gate", "':gate' and ':zipf[=A]'"}, {"chess", "needs a profile"},
                    {"chess:/no/such.sparsity.gguf", "profile not found: /no/such.sparsity.gguf"},
                    {"coreinfer:0.4", "ALPHA,BETA"}, {"coreinfer:2,0.2", "(0, 1]"}}) {
                EmberException e = assertThrows(EmberException.class,
                        () -> m.newSession(SessionOptions.builder().sparsity(c[0]).build()), c[0]);
                assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
            }
            EmberException unknown = assertThrows(EmberException.class,
                    () -> SessionOptions.builder().sparsity("dejavu").build());
            assertTrue(unknown.getMessage().contains("unknown sparsity method 'dejavu'"), unknown.getMessage());
        }
    }

    /** Floats, Q4_0 and Q8_0 keep their type; K-quants and the rest become Q8_0 (see {@link NeuronMajor}). */
    @ParameterizedTest
    @CsvSource({"tiny-relu-f32.gguf, 0, F32", "tiny-relu-q8_0.gguf, 0.01, Q8_0", "tiny-relu-q4_0.gguf, 0.12, Q4_0",
            "synth256-Q4_K_M.gguf, 0.01, Q8_0", "synth256-Q5_1.gguf, 0.01, Q8_0"})
    void neuronMajorCopyIsTheTransposeOfDown(String file, double maxError, GgmlType copyType) {
        try (Model m = load(file, "scalar")) {
            Tensor down = m.gguf().tensor("blk.1.ffn_down.weight");
            NeuronMajor nm = NeuronMajor.of(down);
            int ffn = (int) down.shape().rowLength();
            int dim = (int) down.rows();
            assertEquals(ffn, nm.tensor().rows());
            assertEquals(dim, nm.tensor().shape().rowLength());
            assertEquals(copyType, nm.tensor().type(), "the copy's block type, from " + down.type());
            float[] row = new float[ffn];
            float[] neuron = new float[dim];
            double err = 0;
            double norm = 0;
            for (int i = 0; i < ffn; i += 37) {
                Dequantize.row(nm.tensor(), i, neuron);
                for (int j = 0; j < dim; j++) {
                    Dequantize.row(down, j, row);
                    double d = neuron[j] - row[i];
                    err += d * d;
                    norm += (double) row[i] * row[i];
                }
            }
            double relative = Math.sqrt(err / norm);
            assertTrue(relative <= maxError + 1e-12, file + ": relative error " + relative);
            // the error the copy reports is the one measured here, up to sampling
            assertEquals(nm.relativeError(), relative, Math.max(0.2 * nm.relativeError(), 1e-12), file);
            assertTrue(NeuronMajor.of(down) == nm, "made once per tensor");
        }
    }

    /**
     * A CHESS profile whose thresholds are all 0 and a predictor whose threshold is -infinity choose every neuron
     * (SiLU gates are never exactly 0): their sparse FFNs must then equal the dense one.
     */
    @Test
    void chessAndPredictorWithEveryNeuronEqualDense(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path modelPath = SharedData.require("models/stories260K-f32.gguf");
        try (Model m = load("stories260K-f32.gguf", "scalar")) {
            int layers = m.config().layers();
            int ffn = m.config().ffnDim();
            int dim = m.config().dim();
            String hash = ModelHash.of(modelPath);
            Path chess = dir.resolve("all.chess.gguf");
            SparsityProfile.Builder c = SparsityProfile.builder("chess", hash, layers);
            Path pred = dir.resolve("all.pred.gguf");
            SparsityProfile.Builder p = SparsityProfile.builder("predictor", hash, layers).param("labels", "relu");
            int rank = 4;
            for (int l = 0; l < layers; l++) {
                c.floats("blk." + l + ".chess_tau", new float[ffn], ffn);
                p.floats("blk." + l + ".pred_a", new float[dim * rank], rank, dim);
                p.floats("blk." + l + ".pred_b", new float[rank * ffn], ffn, rank);
                p.floats("blk." + l + ".pred_bias", new float[ffn], ffn);
                p.floats("blk." + l + ".pred_threshold", new float[] {Float.NEGATIVE_INFINITY}, 1);
            }
            c.write(chess);
            p.write(pred);
            int[] prompt = m.tokenize("Once upon a time there was a little dog");
            float[] dense = m.newSession().evaluate(prompt, 0, prompt.length, true).clone();
            int n = prompt.length * m.config().vocabSize();
            float scale = 0;
            for (int i = 0; i < n; i++) {
                scale = Math.max(scale, Math.abs(dense[i]));
            }
            for (String spec : new String[] {"chess:" + chess, "predictor:" + pred}) {
                Session s = m.newSession(SessionOptions.builder().sparsity(spec).build());
                float[] sparse = s.evaluate(prompt, 0, prompt.length, true);
                float diff = maxAbsDiff(Arrays.copyOf(dense, n), Arrays.copyOf(sparse, n));
                assertTrue(diff <= 1e-4f * scale, spec + ": max |logit diff| " + diff);
                assertEquals(0.0, s.sparsityStats().sparsity(), 1e-12, spec + ": every neuron ran");
            }
        }
    }
}
