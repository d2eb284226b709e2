package dev.ember.model;

import dev.ember.gguf.GgufWriter;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Small F32 GGUF files, random weights, one per architecture feature set that no shared reference covers:
 * <ul>
 * <li>{@code llama}: Llama 3 {@code rope_freqs} factors, linear rope scaling, tied output (no
 *     {@code output.weight}), and the optional q/k/v/output biases llama.cpp allows;</li>
 * <li>{@code qwen2}: required q/k/v biases, an {@code output.bias}, NeoX rope;</li>
 * <li>{@code qwen3}: per-head q/k RMSNorm, a head size (32) with heads * headSize (128) != dim (64), tied
 *     output, NeoX rope.</li>
 * </ul>
 */
final class ArchitectureFixtures {
    static final int DIM = 64;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int FFN = 96;
    static final int VOCAB = 40;
    static final int CONTEXT = 64;

    private ArchitectureFixtures() {
    }

    /** gemma3's layers: six, so that the sixth is global and the others local. */
    static final int GEMMA3_LAYERS = 6;
    /** gemma3's window: small, so that a 10-token run leaves keys outside it. */
    static final int GEMMA3_WINDOW = 4;

    /** Writes the fixture for {@code arch} ("llama", "qwen2", "qwen3", "gemma3") to {@code file}. */
    static void write(Path file, String arch, long seed) {
        boolean llama = arch.equals("llama");
        boolean qwen2 = arch.equals("qwen2");
        boolean qwen3 = arch.equals("qwen3");
        boolean gemma3 = arch.equals("gemma3");
        int layers = gemma3 ? GEMMA3_LAYERS : LAYERS;
        int headSize = qwen3 || gemma3 ? 32 : DIM / HEADS;
        int qDim = HEADS * headSize;
        int kvDim = KV_HEADS * headSize;
        String p = arch + ".";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", arch)
                .putUint32(p + "context_length", CONTEXT)
                .putUint32(p + "embedding_length", DIM)
                .putUint32(p + "block_count", layers)
                .putUint32(p + "feed_forward_length", FFN)
                .putUint32(p + "attention.head_count", HEADS)
                .putUint32(p + "attention.head_count_kv", KV_HEADS)
                .putUint32(p + "rope.dimension_count", headSize)
                .putFloat32(p + "rope.freq_base", qwen2 || gemma3 ? 1_000_000f : 10_000f)
                .putFloat32(p + "attention.layer_norm_rms_epsilon", 1e-6f)
                .putUint32(p + "vocab_size", VOCAB);
        if (qwen3 || gemma3) {
            w.putUint32(p + "attention.key_length", headSize).putUint32(p + "attention.value_length", headSize);
        }
        if (gemma3) { // linear rope scaling, which applies to the global layers only
            w.putUint32(p + "attention.sliding_window", GEMMA3_WINDOW)
                    .putString(p + "rope.scaling.type", "linear").putFloat32(p + "rope.scaling.factor", 8f);
        }
        if (llama) {
            w.putString(p + "rope.scaling.type", "linear").putFloat32(p + "rope.scaling.factor", 2f);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        matrix(w, TensorNames.TOKEN_EMBD, DIM, VOCAB, gemma3 ? 0.1 : 1.0, rng); // gemma scales it by sqrt(dim)
        vector(w, TensorNames.OUTPUT_NORM, DIM, 1.0, 0.2, rng);
        if (qwen2) {
            matrix(w, TensorNames.OUTPUT, DIM, VOCAB, 0.3, rng);
            vector(w, TensorNames.OUTPUT_BIAS, VOCAB, 0, 0.5, rng);
        }
        if (llama) {
            vector(w, TensorNames.ROPE_FREQS, headSize / 2, 2.5, 3, rng); // factors in [1, 4]
        }
        for (int i = 0; i < layers; i++) {
            TensorNames.Block b = TensorNames.block(i);
            vector(w, b.attnNorm(), DIM, 1.0, 0.2, rng);
            matrix(w, b.attnQ(), DIM, qDim, 1 / Math.sqrt(DIM) * 2, rng);
            matrix(w, b.attnK(), DIM, kvDim, 1 / Math.sqrt(DIM) * 2, rng);
            matrix(w, b.attnV(), DIM, kvDim, 1 / Math.sqrt(DIM), rng);
            matrix(w, b.attnOutput(), qDim, DIM, 1 / Math.sqrt(qDim), rng);
            if (llama || qwen2) {
                vector(w, b.attnQBias(), qDim, 0, 0.5, rng);
                vector(w, b.attnKBias(), kvDim, 0, 0.5, rng);
                vector(w, b.attnVBias(), kvDim, 0, 0.5, rng);
            }
            if (llama) {
                vector(w, b.attnOutputBias(), DIM, 0, 0.5, rng);
            }
            if (qwen3 || gemma3) {
                vector(w, b.attnQNorm(), headSize, 1.0, 0.5, rng);
                vector(w, b.attnKNorm(), headSize, 1.0, 0.5, rng);
            }
            if (gemma3) {
                vector(w, b.postAttnNorm(), DIM, 1.0, 0.2, rng);
                vector(w, b.postFfnNorm(), DIM, 1.0, 0.2, rng);
            }
            vector(w, b.ffnNorm(), DIM, 1.0, 0.2, rng);
            matrix(w, b.ffnGate(), DIM, FFN, 1 / Math.sqrt(DIM), rng);
            matrix(w, b.ffnUp(), DIM, FFN, 1 / Math.sqrt(DIM), rng);
            matrix(w, b.ffnDown(), FFN, DIM, 1 / Math.sqrt(FFN), rng);
        }
        w.write(file);
    }

    /** A (rows, cols) matrix, uniform with the given standard deviation. */
    private static void matrix(GgufWriter w, String name, int cols, int rows, double std, SplittableRandom rng) {
        float[] v = uniform(cols * rows, 0, std * Math.sqrt(3), rng);
        w.addTensor(name, GgmlType.F32, new Shape(cols, rows), dst -> copy(v, dst));
    }

    /** A vector, uniform on [center - halfWidth, center + halfWidth]. */
    private static void vector(GgufWriter w, String name, int n, double center, double halfWidth,
                               SplittableRandom rng) {
        float[] v = uniform(n, center, halfWidth, rng);
        w.addTensor(name, GgmlType.F32, new Shape(n), dst -> copy(v, dst));
    }

    private static float[] uniform(int n, double center, double halfWidth, SplittableRandom rng) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (center + (rng.nextDouble() * 2 - 1) * halfWidth);
        }
        return v;
    }

    private static void copy(float[] v, java.lang.foreign.MemorySegment dst) {
        for (int i = 0; i < v.length; i++) {
            dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v[i]);
        }
    }
}
