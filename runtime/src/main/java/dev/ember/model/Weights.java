package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufFormatException;
import dev.ember.tensor.Tensor;

import java.util.List;

/**
 * The model's tensors: views into the mapped file (never copied to the heap), plus the small norm and bias
 * vectors decoded once. Immutable and shared by every session of the model. Shapes are (rows, cols), i.e.
 * ggml [cols, rows].
 */
public final class Weights {
    private final Config config;
    private final Tensor tokenEmbedding;   // (vocab, dim)
    private final List<LayerWeights> layers; // (layers)
    private final float[] outputNorm;      // (dim)
    private final Tensor output;           // (vocab, dim); the token embedding itself when tied
    private final float[] outputBias;      // (vocab) or null
    private final float[] ropeFreqFactors; // (ropeDim / 2) or null: Llama 3 rope frequency factors

    /**
     * @param config          the hyperparameters the tensors were mapped with
     * @param tokenEmbedding  token embedding (vocab, dim)
     * @param layers          one entry per block
     * @param outputNorm      final RMSNorm weight (dim)
     * @param output          output projection (vocab, dim): {@code tokenEmbedding} itself when the file ties them
     * @param outputBias      output bias (vocab), or null
     * @param ropeFreqFactors Llama 3 rope frequency factors (ropeDim / 2), or null
     */
    public Weights(Config config, Tensor tokenEmbedding, List<LayerWeights> layers, float[] outputNorm,
                   Tensor output, float[] outputBias, float[] ropeFreqFactors) {
        if (layers.size() != config.layers()) {
            throw new IllegalArgumentException(layers.size() + " layers of weights for a config of " + config.layers());
        }
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.layers = List.copyOf(layers);
        this.outputNorm = outputNorm;
        this.output = output;
        this.outputBias = outputBias;
        this.ropeFreqFactors = ropeFreqFactors;
    }

    /**
     * Maps every tensor of a llama-family file (llama.cpp's {@code load_arch_tensors}): the output projection is
     * tied to the token embedding when {@code output.weight} is absent.
     *
     * @param extras       what the architecture's blocks carry beyond the common tensors
     * @param ropeFreqs    whether a {@code rope_freqs.weight} (Llama 3) is read when present
     * @param outputBias   whether an {@code output.bias} is read when present
     */
    static Weights map(GgufFile file, Config c, LayerWeights.Extras extras, boolean ropeFreqs, boolean outputBias) {
        return map(file, c, extras, ropeFreqs, outputBias, false);
    }

    /** As {@link #map(GgufFile, Config, LayerWeights.Extras, boolean, boolean)}; {@code alwaysTied}: the token
     * embedding is the output matrix even if the file has an {@code output.weight} (gemma2, as llama.cpp). */
    static Weights map(GgufFile file, Config c, LayerWeights.Extras extras, boolean ropeFreqs, boolean outputBias,
                       boolean alwaysTied) {
        TensorSource src = new TensorSource(file, c);
        Tensor embedding = src.matrix(TensorNames.TOKEN_EMBD, c.dim(), vocabRows(file, c));
        LayerWeights[] blocks = new LayerWeights[c.layers()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = LayerWeights.load(src, c, i, extras);
        }
        Tensor output = alwaysTied ? null : src.optionalMatrix(TensorNames.OUTPUT, c.dim(), c.vocabSize());
        return new Weights(c, embedding, List.of(blocks), src.vector(TensorNames.OUTPUT_NORM, c.dim()),
                output != null ? output : embedding,
                outputBias ? src.optionalVector(TensorNames.OUTPUT_BIAS, c.vocabSize()) : null,
                ropeFreqs ? src.optionalVector(TensorNames.ROPE_FREQS, c.ropeDim() / 2) : null);
    }

    /** The vocabulary size is the config's; a file that says nothing else about it is read by its embedding. */
    private static int vocabRows(GgufFile file, Config c) {
        if (c.vocabSize() <= 0) {
            throw new GgufFormatException(file.path(), -1, c.architecture() + " model: no vocabulary size (neither "
                    + c.architecture() + ".vocab_size nor tokenizer.ggml.tokens)");
        }
        return c.vocabSize();
    }

    /** @return the hyperparameters the weights were mapped with */
    public Config config() {
        return config;
    }

    /** @return token embedding (vocab, dim); row t is token t's vector */
    public Tensor tokenEmbedding() {
        return tokenEmbedding;
    }

    /** @return block {@code i}'s tensors */
    public LayerWeights layer(int i) {
        return layers.get(i);
    }

    /** @return every block's tensors, first block first */
    public List<LayerWeights> layers() {
        return layers;
    }

    /** @return final RMSNorm weight (dim) */
    public float[] outputNorm() {
        return outputNorm;
    }

    /** @return output projection (vocab, dim): the token embedding itself when {@link #outputTied()} */
    public Tensor output() {
        return output;
    }

    /** @return true if the file has no {@code output.weight}, so the token embedding doubles as the lm head */
    public boolean outputTied() {
        return output == tokenEmbedding;
    }

    /** @return output bias (vocab), or null */
    public float[] outputBias() {
        return outputBias;
    }

    /** @return Llama 3 rope frequency factors (ropeDim / 2): angle i is divided by factor i; or null */
    public float[] ropeFreqFactors() {
        return ropeFreqFactors;
    }
}
