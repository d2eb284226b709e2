package dev.ember.model;

import dev.ember.EmberException;
import dev.ember.gguf.GgufValue;
import dev.ember.gguf.GgufWriter;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.quant.Quantize;
import dev.ember.tensor.quant.RowQuantizer;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes llama-architecture GGUF files with random weights and a real model's shape, for the demo,
 * CI and benchmarks. The files are valid for llama.cpp too: llama metadata keys, a SentencePiece
 * vocabulary ({@link SyntheticVocabulary}), norms in F32 and every matrix in the chosen type.
 *
 * <pre>
 * SyntheticModel.write(Path.of("tiny-q8_0.gguf"), SyntheticModel.preset("tiny"), GgmlType.Q8_0, 42);
 * </pre>
 *
 * Weights are deterministic from the seed (each row draws from its own stream, keyed by tensor and row)
 * and are streamed row by row into the file's mapping, so a 7B file needs one row of heap, not gigabytes.
 * Each value is uniform with standard deviation {@code 1/sqrt(cols)}, so activations keep a unit scale
 * through the layers and the logits stay finite; what such a model prints is, of course, nonsense.
 */
public final class SyntheticModel {
    /**
     * A model shape.
     *
     * @param name          what {@link #preset} and file names call it
     * @param dim           embedding length
     * @param layers        transformer blocks
     * @param heads         query heads
     * @param kvHeads       key/value heads
     * @param ffnDim        feed-forward hidden size
     * @param vocabSize     tokens
     * @param contextLength the context written to the metadata
     * @param ropeTheta     RoPE frequency base
     * @param tiedOutput    true to leave out {@code output.weight} (the token embedding doubles as it)
     */
    public record Preset(String name, int dim, int layers, int heads, int kvHeads, int ffnDim, int vocabSize,
                         int contextLength, float ropeTheta, boolean tiedOutput) {
        /** @return the number of weights, all matrices and norms */
        public long parameters() {
            long kvDim = (long) dim / heads * kvHeads;
            long perLayer = 2L * dim * dim + 2L * dim * kvDim + 3L * dim * ffnDim + 2L * dim;
            return layers * perLayer + (tiedOutput ? 1 : 2) * (long) vocabSize * dim + dim;
        }
    }

    /** For the demo and CI: small enough to write in a second, with every dimension a multiple of 256. */
    public static final Preset TINY = new Preset("tiny", 256, 4, 8, 4, 768, 512, 2048, 10000f, false);
    /** TinyLlama 1.1B's shape. */
    public static final Preset TINYLLAMA_1_1B =
            new Preset("tinyllama-1.1b", 2048, 22, 32, 4, 5632, 32000, 2048, 10000f, false);
    /** Llama 3.2 1B's shape (tied embeddings; an SPM vocabulary of Llama 3's size stands in for its BPE). */
    public static final Preset LLAMA3_2_1B =
            new Preset("llama3.2-1b", 2048, 16, 32, 8, 8192, 128256, 131072, 500000f, true);
    /** Llama 2 7B's shape. */
    public static final Preset LLAMA2_7B = new Preset("llama2-7b", 4096, 32, 32, 32, 11008, 32000, 4096, 10000f, false);

    private static final List<Preset> PRESETS = List.of(TINY, TINYLLAMA_1_1B, LLAMA3_2_1B, LLAMA2_7B);
    private static final float RMS_EPS = 1e-5f;

    private SyntheticModel() {
    }

    /** @return every preset */
    public static List<Preset> presets() {
        return PRESETS;
    }

    /** @return the preset of that name. @throws EmberException naming the known presets */
    public static Preset preset(String name) {
        for (Preset p : PRESETS) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new EmberException("unknown synthetic model '" + name + "'; presets: "
                + PRESETS.stream().map(Preset::name).toList());
    }

    /** @return a file name that identifies the preset, type and seed, e.g. {@code tiny-Q8_0-s42.gguf} */
    public static String fileName(Preset preset, GgmlType type, long seed) {
        return fileName(preset, Recipe.uniform(type), seed);
    }

    /** @return a file name that identifies the preset, recipe and seed, e.g. {@code tiny-Q4_K_M-s42.gguf} */
    public static String fileName(Preset preset, Recipe recipe, long seed) {
        return preset.name() + "-" + recipe.name() + "-s" + seed + ".gguf";
    }

    /** Which type each matrix gets, and the llama.cpp file type that names the mix. */
    public interface Recipe {
        /** @return the name in file names: the type's, or the mix's (Q4_K_M) */
        String name();

        /** @return the type of a matrix of {@code cols} columns, named {@code tensor}, in layer {@code layer} of n */
        GgmlType typeOf(String tensor, int cols, int layer, int layers);

        /** @return llama.cpp's {@code general.file_type} */
        int fileType();

        /** @return every matrix in {@code type} */
        static Recipe uniform(GgmlType type) {
            return new Recipe() {
                @Override
                public String name() {
                    return type.name();
                }

                @Override
                public GgmlType typeOf(String tensor, int cols, int layer, int layers) {
                    return type;
                }

                @Override
                public int fileType() {
                    return SyntheticModel.fileType(type);
                }
            };
        }

        /**
         * The mix llama.cpp's quantizer writes for Q4_K_M, the file most users run: Q4_K, with Q6_K for the output
         * matrix and for attn_v and ffn_down in the layers that get more bits (the first and last eighth, and every
         * third between); a matrix whose rows are not whole 256-value super-blocks falls back to Q5_0 (for Q4_K)
         * or Q8_0 (for Q6_K), as llama.cpp does.
         */
        Recipe Q4_K_M = new Recipe() {
            @Override
            public String name() {
                return "Q4_K_M";
            }

            @Override
            public GgmlType typeOf(String tensor, int cols, int layer, int layers) {
                boolean more = tensor.equals(TensorNames.OUTPUT) || (tensor.endsWith("attn_v.weight")
                        || tensor.endsWith("ffn_down.weight")) && moreBits(layer, layers);
                GgmlType t = more ? GgmlType.Q6_K : GgmlType.Q4_K;
                return cols % 256 == 0 ? t : t == GgmlType.Q6_K ? GgmlType.Q8_0 : GgmlType.Q5_0;
            }

            @Override
            public int fileType() {
                return 15; // LLAMA_FTYPE_MOSTLY_Q4_K_M
            }
        };

        /** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third in between. */
        static boolean moreBits(int layer, int layers) {
            return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
        }
    }

    /**
     * Writes the model (atomically: a finished file or none).
     *
     * @param file   where to write
     * @param preset the shape
     * @param type   the type of every matrix: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K or Q6_K
     * @param seed   equal seeds write equal files
     * @throws EmberException if the type cannot be written or does not divide the rows
     */
    public static void write(Path file, Preset preset, GgmlType type, long seed) {
        if (type == GgmlType.Q8_K || !Quantize.supported().contains(type)) {
            throw new EmberException("cannot write a synthetic model in " + type + "; types: "
                    + Quantize.supported().stream().filter(t -> t != GgmlType.Q8_K).toList());
        }
        if (preset.dim() % type.blockSize() != 0 || preset.ffnDim() % type.blockSize() != 0) {
            throw new EmberException(type + " needs rows that are multiples of " + type.blockSize() + "; "
                    + preset.name() + " has dim " + preset.dim() + " and ffn " + preset.ffnDim());
        }
        write(file, preset, Recipe.uniform(type), seed);
    }

    /** Writes the model with each matrix in the type {@code recipe} gives it (atomically). */
    public static void write(Path file, Preset preset, Recipe recipe, long seed) {
        GgufWriter w = new GgufWriter();
        metadata(w, preset, recipe.fileType(), seed);
        int headSize = preset.dim() / preset.heads();
        int kvDim = headSize * preset.kvHeads();
        int[] index = {0};
        int[] layer = {-1};
        Filler f = (name, cols, rows) -> {
            GgmlType type = recipe.typeOf(name, cols, layer[0], preset.layers());
            w.addTensor(name, type, new Shape(cols, rows), rows(type, cols, seed, index[0]++));
        };
        f.add(TensorNames.TOKEN_EMBD, preset.dim(), preset.vocabSize());
        norm(w, TensorNames.OUTPUT_NORM, preset.dim(), seed);
        if (!preset.tiedOutput()) {
            f.add(TensorNames.OUTPUT, preset.dim(), preset.vocabSize());
        }
        for (int i = 0; i < preset.layers(); i++) {
            layer[0] = i;
            TensorNames.Block b = TensorNames.block(i);
            norm(w, b.attnNorm(), preset.dim(), seed);
            f.add(b.attnQ(), preset.dim(), preset.dim());
            f.add(b.attnK(), preset.dim(), kvDim);
            f.add(b.attnV(), preset.dim(), kvDim);
            f.add(b.attnOutput(), preset.dim(), preset.dim());
            norm(w, b.ffnNorm(), preset.dim(), seed);
            f.add(b.ffnGate(), preset.dim(), preset.ffnDim());
            f.add(b.ffnUp(), preset.dim(), preset.ffnDim());
            f.add(b.ffnDown(), preset.ffnDim(), preset.dim());
        }
        w.write(file);
    }

    @FunctionalInterface
    private interface Filler {
        void add(String name, int cols, int rows);
    }

    private static void metadata(GgufWriter w, Preset p, int fileType, long seed) {
        SyntheticVocabulary vocab = SyntheticVocabulary.of(p.vocabSize());
        w.putString("general.architecture", "llama")
                .putString("general.name", "ember-synthetic-" + p.name())
                .putUint32("general.file_type", fileType)
                .putUint32("general.quantization_version", 2)
                .putUint32("llama.context_length", p.contextLength())
                .putUint32("llama.embedding_length", p.dim())
                .putUint32("llama.block_count", p.layers())
                .putUint32("llama.feed_forward_length", p.ffnDim())
                .putUint32("llama.rope.dimension_count", p.dim() / p.heads())
                .putUint32("llama.attention.head_count", p.heads())
                .putUint32("llama.attention.head_count_kv", p.kvHeads())
                .putFloat32("llama.attention.layer_norm_rms_epsilon", RMS_EPS)
                .putFloat32("llama.rope.freq_base", p.ropeTheta())
                .putUint32("llama.vocab_size", p.vocabSize())
                .putString("tokenizer.ggml.model", "llama")
                .putStringArray("tokenizer.ggml.tokens", vocab.tokens())
                .put("tokenizer.ggml.scores", GgufValue.float32Array(vocab.scores()))
                .put("tokenizer.ggml.token_type", GgufValue.int32Array(vocab.types()))
                .putUint32("tokenizer.ggml.unknown_token_id", SyntheticVocabulary.UNK)
                .putUint32("tokenizer.ggml.bos_token_id", SyntheticVocabulary.BOS)
                .putUint32("tokenizer.ggml.eos_token_id", SyntheticVocabulary.EOS)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putBool("tokenizer.ggml.add_eos_token", false)
                .putUint64("ember.synthetic.seed", seed);
    }

    /** llama.cpp's {@code llama_ftype} for a file whose matrices are all {@code type}. */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q4_K -> 14; // MOSTLY_Q4_K_S: every matrix Q4_K
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new EmberException("no llama.cpp file type for " + type.name().toLowerCase(Locale.ROOT));
        };
    }

    /** RMSNorm weights: 1 plus a little noise, in F32 as llama.cpp keeps norms. */
    private static void norm(GgufWriter w, String name, int n, long seed) {
        w.addTensor(name, GgmlType.F32, new Shape(n), dst -> {
            SplittableRandom rng = new SplittableRandom(mix(seed, name.hashCode(), -1));
            for (int i = 0; i < n; i++) {
                dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, 1f + (float) (rng.nextDouble() - 0.5) * 0.1f);
            }
        });
    }

    /** Fills a matrix row by row: each row from its own stream, so the file does not depend on fill order. */
    private static GgufWriter.TensorFiller rows(GgmlType type, int cols, long seed, int tensorIndex) {
        return dst -> {
            RowQuantizer encode = Quantize.of(type);
            float[] row = new float[cols]; // (cols): the only heap the tensor needs
            long rowBytes = type.byteSize(cols);
            long rows = dst.byteSize() / rowBytes;
            float half = (float) Math.sqrt(3.0 / cols); // uniform on [-half, half]: std 1/sqrt(cols)
            for (long r = 0; r < rows; r++) {
                SplittableRandom rng = new SplittableRandom(mix(seed, tensorIndex, r));
                for (int i = 0; i < cols; i++) {
                    row[i] = (float) (rng.nextDouble() * 2 - 1) * half;
                }
                encode.quantizeRow(row, 0, dst, r * rowBytes, cols);
            }
        };
    }

    private static long mix(long seed, int tensor, long row) {
        long z = seed * 0x9E3779B97F4A7C15L + tensor * 0xBF58476D1CE4E5B9L + row * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
