package dev.ember.sparsity.predictor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A per-layer neuron predictor in the Deja Vu / PowerInfer style: {@code scores = bias + ReLU(x·A)·B}, with
 * {@code A} of {@code dim × rank} and {@code B} of {@code rank × neurons}. It costs {@code rank·(dim + neurons)}
 * multiply-adds per token instead of the FFN's {@code dim·neurons}, and its score decides which FFN neurons run:
 * a neuron runs when its score is at least a threshold tuned for recall
 * ({@link PredictorTrainer#thresholdForRecall}).
 *
 * <p>The weight arrays are held as given, not copied, and the accessors return them live: predictors are
 * built once (by {@link PredictorTrainer} or a loader) and then only read, and copying megabytes per layer
 * on every save would buy nothing. Callers must not modify them while the predictor is in use.
 */
public final class LowRankPredictor {
    private final int dim;
    private final int rank;
    private final int neurons;
    private final float[] a;
    private final float[] b;
    private final float[] bias;

    /**
     * Wraps trained (or loaded) weights; the arrays are kept, not copied.
     *
     * @param dim     input width (the model's hidden size)
     * @param rank    width of the low-rank bottleneck
     * @param neurons number of FFN neurons scored
     * @param a       {@code dim × rank}, row-major: {@code a[i*rank + r]}
     * @param b       {@code rank × neurons}, row-major: {@code b[r*neurons + j]}
     * @param bias    {@code neurons} output biases
     * @throws IllegalArgumentException when a size is not positive or an array's length does not match
     */
    public LowRankPredictor(int dim, int rank, int neurons, float[] a, float[] b, float[] bias) {
        checkSizes(dim, rank, neurons);
        if (a == null || a.length != (long) dim * rank) {
            throw new IllegalArgumentException("a must hold dim*rank = " + (long) dim * rank + " floats, got "
                    + (a == null ? "null" : a.length));
        }
        if (b == null || b.length != (long) rank * neurons) {
            throw new IllegalArgumentException("b must hold rank*neurons = " + (long) rank * neurons
                    + " floats, got " + (b == null ? "null" : b.length));
        }
        if (bias == null || bias.length != neurons) {
            throw new IllegalArgumentException("bias must hold neurons = " + neurons + " floats, got "
                    + (bias == null ? "null" : bias.length));
        }
        this.dim = dim;
        this.rank = rank;
        this.neurons = neurons;
        this.a = a;
        this.b = b;
        this.bias = bias;
    }

    /**
     * A freshly initialised predictor, the starting point of training. {@code A} is Kaiming-uniform for a
     * ReLU layer ({@code ±sqrt(6/dim)}), so unit-scale inputs give unit-scale pre-activations; {@code B} is
     * {@code ±1/sqrt(rank)} (the usual linear-layer default), so the initial scores are small; the bias is
     * zero, which is the optimum of the class-balanced loss for a predictor that ignores its input.
     * Deterministic: the same arguments give the same arrays.
     */
    public static LowRankPredictor random(int dim, int rank, int neurons, long seed) {
        checkSizes(dim, rank, neurons);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[Math.multiplyExact(dim, rank)];
        float[] b = new float[Math.multiplyExact(rank, neurons)];
        double aBound = Math.sqrt(6.0 / dim);
        double bBound = 1.0 / Math.sqrt(rank);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((2 * rng.nextDouble() - 1) * aBound);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) ((2 * rng.nextDouble() - 1) * bBound);
        }
        return new LowRankPredictor(dim, rank, neurons, a, b, new float[neurons]);
    }

    private static void checkSizes(int dim, int rank, int neurons) {
        if (dim <= 0 || rank <= 0 || neurons <= 0) {
            throw new IllegalArgumentException("dim, rank and neurons must be positive, got dim=" + dim
                    + " rank=" + rank + " neurons=" + neurons);
        }
        if ((long) dim * rank > Integer.MAX_VALUE || (long) rank * neurons > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dim*rank and rank*neurons must fit in an array, got dim=" + dim
                    + " rank=" + rank + " neurons=" + neurons);
        }
    }

    public int dim() {
        return dim;
    }

    public int rank() {
        return rank;
    }

    public int neurons() {
        return neurons;
    }

    /** The live {@code dim × rank} array (row-major), not a copy. */
    public float[] a() {
        return a;
    }

    /** The live {@code rank × neurons} array (row-major), not a copy. */
    public float[] b() {
        return b;
    }

    /** The live {@code neurons} biases, not a copy. */
    public float[] bias() {
        return bias;
    }

    /**
     * Scores one token: {@code scores[j] = bias[j] + sum_r relu(sum_i x[xOff+i]*a[i*rank+r]) * b[r*neurons+j]}
     * for {@code j < neurons}. Allocates nothing, so it can run on the decode path.
     *
     * @param x      holds the token's {@code dim} inputs from {@code xOff}
     * @param hidden caller scratch of at least {@code rank} floats (overwritten with the ReLU activations)
     * @param scores receives {@code neurons} scores from index 0
     */
    public void score(float[] x, int xOff, float[] hidden, float[] scores) {
        if (xOff < 0 || xOff > x.length - dim) {
            throw new IllegalArgumentException("x must hold dim=" + dim + " floats from xOff=" + xOff
                    + ", length " + x.length);
        }
        if (hidden.length < rank) {
            throw new IllegalArgumentException("hidden must hold rank=" + rank + " floats, length " + hidden.length);
        }
        if (scores.length < neurons) {
            throw new IllegalArgumentException("scores must hold neurons=" + neurons + " floats, length "
                    + scores.length);
        }
        hidden(a, dim, rank, x, xOff, hidden, 0);
        logits(b, bias, rank, neurons, hidden, 0, scores, 0);
    }

    /**
     * {@code h[hOff..+rank] = relu(x·A)}. Loops run over contiguous rows of {@code A} (an axpy per input), which
     * the JIT vectorises; a dot product per column would stride by {@code rank}. Shared with the trainer so
     * that training and inference compute the same thing.
     */
    static void hidden(float[] a, int dim, int rank, float[] x, int xOff, float[] h, int hOff) {
        Arrays.fill(h, hOff, hOff + rank, 0f);
        for (int i = 0; i < dim; i++) {
            float xi = x[xOff + i];
            if (xi == 0f) {
                continue;
            }
            int aOff = i * rank;
            for (int r = 0; r < rank; r++) {
                h[hOff + r] += xi * a[aOff + r];
            }
        }
        for (int r = 0; r < rank; r++) {
            if (!(h[hOff + r] > 0f)) {
                h[hOff + r] = 0f;
            }
        }
    }

    /**
     * {@code z[zOff..+neurons] = bias + h·B}. Inactive hidden units (ReLU zero, typically about half) skip
     * their whole row of {@code B}.
     */
    static void logits(float[] b, float[] bias, int rank, int neurons, float[] h, int hOff, float[] z, int zOff) {
        System.arraycopy(bias, 0, z, zOff, neurons);
        for (int r = 0; r < rank; r++) {
            float hr = h[hOff + r];
            if (hr == 0f) {
                continue;
            }
            int bOff = r * neurons;
            for (int j = 0; j < neurons; j++) {
                z[zOff + j] += hr * b[bOff + j];
            }
        }
    }

    @Override
    public String toString() {
        return "LowRankPredictor[dim=" + dim + ", rank=" + rank + ", neurons=" + neurons + "]";
    }
}
