package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufFormatException;
import dev.ember.gguf.GgufWriter;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.ScalarKernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each architecture's mapping (config, optional and tied tensors) and its forward pass against an independent
 * float64 oracle ({@link NaiveTransformer}) on small random-weight files: the features that no llama.cpp
 * reference in ../shared exercises (NeoX rope, biases, q/k norm, rope frequency factors, tied output).
 */
class ArchitecturesTest {
    /** F32 weights and float kernels against float64 on a 2-layer model: float rounding only. */
    private static final double MAX_ERROR_VS_FLOAT64 = 1e-4;

    private static WorkerPool pool;
    private static Kernels kernels;

    @TempDir
    Path dir;

    @BeforeAll
    static void kernels() {
        pool = new WorkerPool(2);
        kernels = new ScalarKernels(pool);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    @Test
    void registryIsTheSupportedList() {
        assertEquals(Config.SUPPORTED_ARCHITECTURES, Architectures.names());
    }

    @Test
    void aSlidingWindowStartsItsWidthBackOnTheLayersItsPeriodSelects() {
        Config plain = new Config("llama", 64, 4, 4, 2, 16, 128, 256, 512, 16, 10000f, 1e-5f, "silu");
        assertEquals(0, plain.attentionStart(0, 100), "no window: every position from 0");
        Config gemma2Like = plain.withSlidingWindow(16, 2);
        assertEquals(100 - 16 + 1, gemma2Like.attentionStart(0, 100), "even layer: 16 keys, its own included");
        assertEquals(0, gemma2Like.attentionStart(1, 100), "odd layer: global");
        assertEquals(0, gemma2Like.attentionStart(2, 15), "the window reaches back to 0");
        assertEquals(1, gemma2Like.attentionStart(2, 16));
        Config phi3Like = plain.withSlidingWindow(8, 1);
        for (int l = 0; l < 4; l++) {
            assertEquals(93, phi3Like.attentionStart(l, 100), "every layer");
        }
        Config gemma3Like = plain.withSlidingWindow(8, 6);
        assertEquals(93, gemma3Like.attentionStart(4, 100));
        assertEquals(0, gemma3Like.attentionStart(5, 100), "every sixth layer is global");
    }

    @Test
    void unknownArchitectureIsNamedWithTheSupportedList() {
        Path f = dir.resolve("gpt2.gguf");
        new GgufWriter().putString("general.architecture", "gpt2").write(f);
        try (GgufFile gguf = GgufFile.open(f)) {
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> Transformer.load(gguf));
            assertTrue(e.getMessage().contains("'gpt2'") && e.getMessage().contains("llama, qwen2, qwen3, phi3, gemma2, gemma3"),
                    e.getMessage());
        }
    }

    @Test
    void yarnRopeScalingIsRefusedNotRunWrongly() {
        Path f = dir.resolve("yarn.gguf");
        new GgufWriter().putString("general.architecture", "qwen2").putUint32("qwen2.embedding_length", 64)
                .putUint32("qwen2.block_count", 1).putUint32("qwen2.attention.head_count", 4)
                .putUint32("qwen2.feed_forward_length", 96).putUint32("qwen2.context_length", 64)
                .putString("qwen2.rope.scaling.type", "yarn").putFloat32("qwen2.rope.scaling.factor", 4f).write(f);
        try (GgufFile gguf = GgufFile.open(f)) {
            Config c = Config.fromGguf(gguf.metadata()); // inspect still shows it
            assertEquals("yarn", c.ropeScaling());
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> Transformer.load(gguf));
            assertTrue(e.getMessage().contains("rope scaling 'yarn'"), e.getMessage());
        }
    }

    @Test
    void llamaMapsFrequencyFactorsScalingBiasesAndTiedOutput() {
        try (GgufFile gguf = fixture("llama")) {
            Transformer t = Transformer.load(gguf);
            Config c = t.config();
            assertEquals(RopeStyle.NORMAL, c.ropeStyle());
            assertEquals("linear", c.ropeScaling());
            assertEquals(0.5f, c.ropeFreqScale());
            assertTrue(t.weights().outputTied());
            assertSame(t.weights().tokenEmbedding(), t.weights().output());
            assertEquals(c.headSize() / 2, t.weights().ropeFreqFactors().length);
            assertNotNull(t.weights().layer(1).attnQBias());
            assertNotNull(t.weights().layer(1).attnOutputBias());
            assertNull(t.weights().layer(1).attnQNorm());
        }
    }

    @Test
    void qwen2MapsBiasesAndNeoxRope() {
        try (GgufFile gguf = fixture("qwen2")) {
            Transformer t = Transformer.load(gguf);
            assertEquals(RopeStyle.NEOX, t.config().ropeStyle());
            assertEquals(1_000_000f, t.config().ropeTheta());
            assertTrue(!t.weights().outputTied() && t.weights().outputBias() != null);
            assertEquals(t.config().kvDim(), t.weights().layer(0).attnVBias().length);
            assertNull(t.weights().layer(0).attnOutputBias());
            assertNull(t.weights().ropeFreqFactors());
        }
    }

    @Test
    void qwen3MapsQkNormAndAWideHeadSize() {
        try (GgufFile gguf = fixture("qwen3")) {
            Transformer t = Transformer.load(gguf);
            Config c = t.config();
            assertEquals(RopeStyle.NEOX, c.ropeStyle());
            assertEquals(32, c.headSize());
            assertEquals(128, c.qDim());
            assertEquals(c.headSize(), t.weights().layer(0).attnKNorm().length);
            assertNull(t.weights().layer(0).attnQBias());
            assertTrue(t.weights().outputTied());
        }
    }

    @Test
    void aMissingOrMisshapenTensorIsNamed() {
        try (GgufFile good = fixture("qwen2")) {
            Path missing = dir.resolve("missing.gguf");
            copyExcept(good, "blk.1.attn_k.bias", null).write(missing);
            try (GgufFile gguf = GgufFile.open(missing)) {
                GgufFormatException e = assertThrows(GgufFormatException.class, () -> Transformer.load(gguf));
                assertTrue(e.getMessage().contains("qwen2 model: tensor 'blk.1.attn_k.bias' is missing"),
                        e.getMessage());
            }
            Path misshapen = dir.resolve("misshapen.gguf");
            copyExcept(good, "blk.0.ffn_down.weight", new Shape(ArchitectureFixtures.DIM, ArchitectureFixtures.FFN))
                    .write(misshapen);
            try (GgufFile gguf = GgufFile.open(misshapen)) {
                GgufFormatException e = assertThrows(GgufFormatException.class, () -> Transformer.load(gguf));
                assertTrue(e.getMessage().contains("'blk.0.ffn_down.weight' has shape [64, 96], the config implies"
                        + " [96, 64]"), e.getMessage());
            }
        }
    }

    /** A copy of every tensor but {@code name}, which is left out (reshaped to {@code shape} if not null). */
    private static GgufWriter copyExcept(GgufFile src, String name, Shape shape) {
        GgufWriter w = new GgufWriter().putAll(src.metadata());
        for (Tensor t : src.tensors().values()) {
            if (!t.name().equals(name)) {
                w.addTensor(t.name(), t.type(), t.shape(), t.data());
            } else if (shape != null) {
                w.addTensor(t.name(), t.type(), shape, t.data());
            }
        }
        return w;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "gemma3"})
    void forwardMatchesTheFloat64Oracle(String arch) {
        int[] tokens = {1, 7, 39, 3, 22, 15, 8, 30, 2, 11};
        int prompt = 6;
        try (GgufFile gguf = fixture(arch)) {
            Transformer t = Transformer.load(gguf);
            SessionState s = t.newState(kernels, ArchitectureFixtures.CONTEXT, 8, DenseFeedForward.FACTORY);
            NaiveTransformer oracle = new NaiveTransformer(gguf, ArchitectureFixtures.CONTEXT);
            int vocab = oracle.vocab();
            double max = 0;
            t.forward(s, tokens, 0, prompt, true);
            float[] promptLogits = s.logits().clone();
            for (int p = 0; p < tokens.length; p++) {
                double[] expected = oracle.step(tokens[p], p);
                if (p >= prompt) {
                    t.forward(s, tokens, p, 1, false);
                }
                float[] ours = p < prompt ? promptLogits : s.logits();
                int off = p < prompt ? p * vocab : 0;
                for (int i = 0; i < vocab; i++) {
                    max = Math.max(max, Math.abs(ours[off + i] - expected[i]));
                }
            }
            System.out.printf("%s fixture vs float64 oracle: max |dlogit| %.3g%n", arch, max);
            assertTrue(max <= MAX_ERROR_VS_FLOAT64, arch + ": max |Δlogit| " + max + " vs the float64 oracle");
        }
    }

    private GgufFile fixture(String arch) {
        Path f = dir.resolve(arch + ".gguf");
        ArchitectureFixtures.write(f, arch, 20250301L + arch.hashCode());
        return GgufFile.open(f);
    }
}
