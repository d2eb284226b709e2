package dev.ember.sparsity.predictor;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ObjIntConsumer;

/**
 * Trains, scores and thresholds {@link LowRankPredictor}s from calibration data: per token, the FFN input
 * (the RMS-normed hidden state) and which FFN neurons were active.
 *
 * <p>The loss is binary cross-entropy with logits, class-balanced per neuron: a neuron's positive examples
 * weigh {@code clamp(#negatives / #positives, 1, 100)} (counted over the data set given), so a rarely
 * active neuron is not learnt as "always off" — for a predictor that must reach high recall, missed
 * activations matter far more than the share of labels they are. The clamp keeps a neuron with a handful
 * of positives from dominating the gradient.
 *
 * <p>Everything is single-threaded in a fixed order, so training is deterministic for a seed (transcendentals
 * go through {@link StrictMath}, which is bit-reproducible everywhere). Buffers are allocated once per call,
 * sized by the batch, never by the data set.
 */
public final class PredictorTrainer {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double ADAM_EPS = 1e-8;
    private static final float MIN_POS_WEIGHT = 1f;
    private static final float MAX_POS_WEIGHT = 100f;

    private PredictorTrainer() {
    }

    /**
     * Training hyper-parameters.
     *
     * @param rank         width of the predictor's bottleneck
     * @param epochs       passes over the data
     * @param learningRate Adam step size
     * @param batchSize    tokens per Adam step (the last batch of an epoch may be smaller)
     * @param seed         drives both the initial weights ({@link LowRankPredictor#random}) and the shuffling
     */
    public record Options(int rank, int epochs, float learningRate, int batchSize, long seed) {
        public Options {
            if (rank <= 0) {
                throw new IllegalArgumentException("rank must be positive, got " + rank);
            }
            if (epochs <= 0) {
                throw new IllegalArgumentException("epochs must be positive, got " + epochs);
            }
            if (!(learningRate > 0f) || Float.isInfinite(learningRate)) {
                throw new IllegalArgumentException("learningRate must be positive and finite, got " + learningRate);
            }
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            }
        }

        /** Rank 128, 20 epochs, Adam at 1e-3, batches of 32, seed 0: the usual Deja Vu-style setting. */
        public static Options defaults() {
            return new Options(128, 20, 1e-3f, 32, 0L);
        }

        public Options withRank(int rank) {
            return new Options(rank, epochs, learningRate, batchSize, seed);
        }

        public Options withEpochs(int epochs) {
            return new Options(rank, epochs, learningRate, batchSize, seed);
        }

        public Options withLearningRate(float learningRate) {
            return new Options(rank, epochs, learningRate, batchSize, seed);
        }

        public Options withBatchSize(int batchSize) {
            return new Options(rank, epochs, learningRate, batchSize, seed);
        }

        public Options withSeed(long seed) {
            return new Options(rank, epochs, learningRate, batchSize, seed);
        }
    }

    /**
     * What {@link #train} produced, with the loss curve to judge convergence by.
     *
     * @param predictor    the trained predictor
     * @param lossPerEpoch per epoch, the mean class-balanced loss (per token and neuron, as {@link #loss}) over
     *                     that epoch's batches, each measured before its own update (the usual running training
     *                     loss: free to compute, slightly pessimistic against {@link #loss} after the epoch)
     */
    public record Result(LowRankPredictor predictor, float[] lossPerEpoch) {
    }

    /**
     * Recall, precision and the share of (token, neuron) pairs predicted active — the last is what the sparse
     * FFN will compute, so it is the cost side of the recall trade.
     */
    public record Metrics(double recall, double precision, double predictedActiveShare) {
    }

    /**
     * Trains a predictor with Adam on shuffled mini-batches. Starts from
     * {@code LowRankPredictor.random(dim, options.rank(), neurons, options.seed())}; the same inputs and options
     * give the same predictor, bit for bit.
     *
     * @param inputs   the first {@code n} rows of {@code dim} floats (row-major) are the tokens' FFN inputs
     * @param labels   {@code labels[t*neurons + j]}: neuron {@code j} was active on token {@code t} (first
     *                 {@code n*neurons} entries)
     * @param progress may be null; gets {@code (loss, epoch)} after each epoch, epoch counted from 1
     */
    public static Result train(float[] inputs, int n, int dim, boolean[] labels, int neurons, Options options,
                               ObjIntConsumer<Float> progress) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        checkData(inputs, n, dim, labels, neurons);
        int rank = options.rank();
        LowRankPredictor init = LowRankPredictor.random(dim, rank, neurons, options.seed());
        float[] a = init.a();
        float[] b = init.b();
        float[] bias = init.bias();
        float[] posWeight = positiveWeights(labels, n, neurons);

        int batch = Math.min(options.batchSize(), n);
        // h: ReLU activations; dz: logits, then their gradients in place; dh: gradients of the pre-activations.
        float[] h = new float[Math.multiplyExact(batch, rank)];
        float[] dz = new float[Math.multiplyExact(batch, neurons)];
        float[] dh = new float[Math.multiplyExact(batch, rank)];
        float[] gA = new float[a.length];
        float[] gB = new float[b.length];
        float[] gBias = new float[neurons];
        Adam adamA = new Adam(a.length);
        Adam adamB = new Adam(b.length);
        Adam adamBias = new Adam(neurons);

        int[] order = new int[n];
        for (int t = 0; t < n; t++) {
            order[t] = t;
        }
        // A stream of its own, so the shuffles do not depend on how many numbers the initialisation drew.
        SplittableRandom shuffler = new SplittableRandom(options.seed() ^ 0x9E3779B97F4A7C15L);
        float[] lossPerEpoch = new float[options.epochs()];
        long step = 0;
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            for (int i = n - 1; i > 0; i--) {
                int k = shuffler.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[k];
                order[k] = tmp;
            }
            double epochLoss = 0;
            for (int start = 0; start < n; start += batch) {
                int m = Math.min(batch, n - start);
                // Forward.
                for (int t = 0; t < m; t++) {
                    LowRankPredictor.hidden(a, dim, rank, inputs, order[start + t] * dim, h, t * rank);
                    LowRankPredictor.logits(b, bias, rank, neurons, h, t * rank, dz, t * neurons);
                }
                // Loss and dL/dz. The step minimises the loss summed over neurons and averaged over tokens;
                // Adam is invariant to that scale, and summing keeps gradients well above its epsilon even
                // with thousands of neurons.
                float scale = 1f / m;
                for (int t = 0; t < m; t++) {
                    int lOff = order[start + t] * neurons;
                    int zOff = t * neurons;
                    for (int j = 0; j < neurons; j++) {
                        double z = dz[zOff + j];
                        double e = StrictMath.exp(-Math.abs(z));
                        double softplusNeg = StrictMath.log1p(e); // softplus(-|z|)
                        double sigmoid = z >= 0 ? 1 / (1 + e) : e / (1 + e);
                        double g;
                        if (labels[lOff + j]) {
                            double w = posWeight[j];
                            epochLoss += w * (softplusNeg + Math.max(-z, 0)); // w·softplus(-z)
                            g = w * (sigmoid - 1);
                        } else {
                            epochLoss += softplusNeg + Math.max(z, 0); // softplus(z)
                            g = sigmoid;
                        }
                        dz[zOff + j] = (float) g * scale;
                    }
                }
                // Backward.
                Arrays.fill(gA, 0f);
                Arrays.fill(gB, 0f);
                Arrays.fill(gBias, 0f);
                for (int t = 0; t < m; t++) {
                    int zOff = t * neurons;
                    int hOff = t * rank;
                    for (int j = 0; j < neurons; j++) {
                        gBias[j] += dz[zOff + j];
                    }
                    for (int r = 0; r < rank; r++) {
                        float hr = h[hOff + r];
                        if (hr == 0f) {
                            // ReLU off: no part in the logits, so no gradient for B's row, none through to A.
                            dh[hOff + r] = 0f;
                            continue;
                        }
                        // One pass over the row of B does both its gradient and dL/dh[r] = dz·B[r]; four
                        // accumulators break the dependency chain of the dot product. (Measured faster than
                        // separate loops, and than axpys over a transposed B, which cannot skip inactive units.)
                        int bOff = r * neurons;
                        float dot0 = 0f;
                        float dot1 = 0f;
                        float dot2 = 0f;
                        float dot3 = 0f;
                        int j = 0;
                        for (; j + 3 < neurons; j += 4) {
                            float d0 = dz[zOff + j];
                            float d1 = dz[zOff + j + 1];
                            float d2 = dz[zOff + j + 2];
                            float d3 = dz[zOff + j + 3];
                            gB[bOff + j] += hr * d0;
                            gB[bOff + j + 1] += hr * d1;
                            gB[bOff + j + 2] += hr * d2;
                            gB[bOff + j + 3] += hr * d3;
                            dot0 += d0 * b[bOff + j];
                            dot1 += d1 * b[bOff + j + 1];
                            dot2 += d2 * b[bOff + j + 2];
                            dot3 += d3 * b[bOff + j + 3];
                        }
                        for (; j < neurons; j++) {
                            float d = dz[zOff + j];
                            gB[bOff + j] += hr * d;
                            dot0 += d * b[bOff + j];
                        }
                        dh[hOff + r] = (dot0 + dot1) + (dot2 + dot3);
                    }
                    int xOff = order[start + t] * dim;
                    for (int i = 0; i < dim; i++) {
                        float xi = inputs[xOff + i];
                        if (xi == 0f) {
                            continue;
                        }
                        int aOff = i * rank;
                        for (int r = 0; r < rank; r++) {
                            gA[aOff + r] += xi * dh[hOff + r];
                        }
                    }
                }
                step++;
                float lr = options.learningRate();
                adamA.step(a, gA, lr, step);
                adamB.step(b, gB, lr, step);
                adamBias.step(bias, gBias, lr, step);
            }
            float loss = (float) (epochLoss / ((double) n * neurons));
            lossPerEpoch[epoch] = loss;
            if (progress != null) {
                progress.accept(loss, epoch + 1);
            }
        }
        return new Result(new LowRankPredictor(dim, rank, neurons, a, b, bias), lossPerEpoch);
    }

    /**
     * The mean class-balanced BCE of {@code p} per (token, neuron), with the positive weights counted on these
     * labels — the quantity training minimises, so it is comparable with {@link Result#lossPerEpoch()} when
     * given the training data.
     */
    public static double loss(LowRankPredictor p, float[] inputs, int n, boolean[] labels) {
        checkData(p, inputs, n, labels);
        int neurons = p.neurons();
        float[] posWeight = positiveWeights(labels, n, neurons);
        float[] hidden = new float[p.rank()];
        float[] scores = new float[neurons];
        double sum = 0;
        for (int t = 0; t < n; t++) {
            p.score(inputs, t * p.dim(), hidden, scores);
            int lOff = t * neurons;
            for (int j = 0; j < neurons; j++) {
                double z = scores[j];
                double softplusNeg = StrictMath.log1p(StrictMath.exp(-Math.abs(z)));
                sum += labels[lOff + j]
                        ? posWeight[j] * (softplusNeg + Math.max(-z, 0))
                        : softplusNeg + Math.max(z, 0);
            }
        }
        return sum / ((double) n * neurons);
    }

    /**
     * How {@code p} does at a threshold: a neuron is predicted active when its score is {@code >= threshold}.
     * Recall is {@code TP/(TP+FN)}, 1.0 when there are no positives; precision is {@code TP/(TP+FP)}, 1.0 when
     * nothing is predicted active.
     */
    public static Metrics evaluate(LowRankPredictor p, float[] inputs, int n, boolean[] labels, float threshold) {
        checkData(p, inputs, n, labels);
        return evaluate(scores(p, inputs, n), labels, p.neurons(), threshold);
    }

    /**
     * The largest threshold whose recall on the data is at least {@code targetRecall}: with {@code P} positive
     * labels it must keep {@code k = ceil(targetRecall·P)} of them, so it is the {@code k}-th largest score among
     * the positives (ties with it are kept too, which only raises recall; any larger float loses it). One
     * threshold per predictor (per layer) keeps the sparse FFN's test a single compare.
     *
     * <p>When nothing needs to be kept ({@code P == 0}, or {@code targetRecall == 0}) every threshold qualifies,
     * and the answer is {@link Float#POSITIVE_INFINITY} (predict nothing); callers calibrating on little data may
     * want to guard against that.
     *
     * @param targetRecall in [0, 1], e.g. 0.99
     */
    public static float thresholdForRecall(LowRankPredictor p, float[] inputs, int n, boolean[] labels,
                                           double targetRecall) {
        checkData(p, inputs, n, labels);
        return thresholdForRecall(scores(p, inputs, n), labels, targetRecall);
    }

    /** @return the float predictor's scores of n inputs: (n, neurons) */
    private static float[] scores(LowRankPredictor p, float[] inputs, int n) {
        int neurons = p.neurons();
        float[] hidden = new float[p.rank()];
        float[] one = new float[neurons];
        float[] all = new float[n * neurons];
        for (int t = 0; t < n; t++) {
            p.score(inputs, t * p.dim(), hidden, one);
            System.arraycopy(one, 0, all, t * neurons, neurons);
        }
        return all;
    }

    /**
     * {@link #thresholdForRecall(LowRankPredictor, float[], int, boolean[], double)} on scores computed elsewhere
     * (the scorer a session serves with): (n, neurons) scores and labels.
     */
    public static float thresholdForRecall(float[] scores, boolean[] labels, double targetRecall) {
        if (!(targetRecall >= 0 && targetRecall <= 1)) {
            throw new IllegalArgumentException("targetRecall must be in [0, 1], got " + targetRecall);
        }
        int positives = 0;
        for (int i = 0; i < scores.length; i++) { // labels may run past the scored tokens
            if (labels[i]) {
                positives++;
            }
        }
        int keep = Math.min(Math.max((int) Math.ceil(targetRecall * positives - 1e-6), 0), positives);
        if (keep == 0) {
            return Float.POSITIVE_INFINITY;
        }
        float[] positiveScores = new float[positives];
        int count = 0;
        for (int i = 0; i < scores.length; i++) {
            if (labels[i]) {
                positiveScores[count++] = scores[i];
            }
        }
        Arrays.sort(positiveScores);
        return positiveScores[positives - keep];
    }

    /** {@link #evaluate} on scores computed elsewhere: (n, neurons) scores and labels, neurons per token. */
    public static Metrics evaluate(float[] scores, boolean[] labels, int neurons, float threshold) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < scores.length; i++) { // labels may run past the scored tokens
            boolean predicted = scores[i] >= threshold;
            if (predicted && labels[i]) {
                tp++;
            } else if (predicted) {
                fp++;
            } else if (labels[i]) {
                fn++;
            }
        }
        double recall = tp + fn == 0 ? 1.0 : (double) tp / (tp + fn);
        double precision = tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
        return new Metrics(recall, precision, (double) (tp + fp) / scores.length);
    }

    /**
     * Per neuron, the weight of a positive example: {@code clamp(#neg/#pos, 1, 100)}. A neuron with no
     * positives gets the upper clamp; it has no positive term, so the value does not matter.
     */
    static float[] positiveWeights(boolean[] labels, int n, int neurons) {
        int[] positives = new int[neurons];
        for (int t = 0; t < n; t++) {
            int lOff = t * neurons;
            for (int j = 0; j < neurons; j++) {
                if (labels[lOff + j]) {
                    positives[j]++;
                }
            }
        }
        float[] w = new float[neurons];
        for (int j = 0; j < neurons; j++) {
            double ratio = positives[j] == 0 ? MAX_POS_WEIGHT : (double) (n - positives[j]) / positives[j];
            w[j] = (float) Math.min(MAX_POS_WEIGHT, Math.max(MIN_POS_WEIGHT, ratio));
        }
        return w;
    }

    private static void checkData(LowRankPredictor p, float[] inputs, int n, boolean[] labels) {
        if (p == null) {
            throw new IllegalArgumentException("predictor must not be null");
        }
        checkData(inputs, n, p.dim(), labels, p.neurons());
    }

    private static void checkData(float[] inputs, int n, int dim, boolean[] labels, int neurons) {
        if (n <= 0 || dim <= 0 || neurons <= 0) {
            throw new IllegalArgumentException("n, dim and neurons must be positive, got n=" + n + " dim=" + dim
                    + " neurons=" + neurons);
        }
        if (inputs == null || inputs.length < (long) n * dim) {
            throw new IllegalArgumentException("inputs must hold n*dim = " + (long) n * dim + " floats, got "
                    + (inputs == null ? "null" : inputs.length));
        }
        if (labels == null || labels.length < (long) n * neurons) {
            throw new IllegalArgumentException("labels must hold n*neurons = " + (long) n * neurons
                    + " booleans, got " + (labels == null ? "null" : labels.length));
        }
    }

    /** Adam's moment estimates for one parameter array (float: they need no more precision than the weights). */
    private static final class Adam {
        private final float[] m;
        private final float[] v;

        Adam(int size) {
            m = new float[size];
            v = new float[size];
        }

        void step(float[] param, float[] grad, float lr, long step) {
            // Bias correction folded into the step size, as in the Adam paper's efficient form.
            double correction = Math.sqrt(1 - StrictMath.pow(BETA2, step)) / (1 - StrictMath.pow(BETA1, step));
            float stepSize = (float) (lr * correction);
            float b1 = (float) BETA1;
            float b2 = (float) BETA2;
            float eps = (float) ADAM_EPS;
            for (int i = 0; i < param.length; i++) {
                float g = grad[i];
                float mi = b1 * m[i] + (1 - b1) * g;
                float vi = b2 * v[i] + (1 - b2) * g * g;
                m[i] = mi;
                v[i] = vi;
                param[i] -= stepSize * mi / ((float) Math.sqrt(vi) + eps);
            }
        }
    }
}
