package dev.ember.sparsity.predictor;

import dev.ember.kernel.ScalarKernels;
import dev.ember.kernel.WorkerPool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PredictorTrainer}: training on synthetic data whose labels are a learnable function of the input
 * (neuron {@code j} is active when {@code x·w_j > c_j}, like a ReLU neuron with a positive pre-activation),
 * determinism, the loss's class weighting by hand, and the recall threshold's edge cases.
 */
class PredictorTrainerTest {
    private static final int DIM = 24;
    private static final int NEURONS = 64;
    private static final int TRAIN = 2000;
    private static final int HELD_OUT = 500;
    private static final double LN2 = Math.log(2);

    private static Data train;
    private static Data heldOut;

    /** Token inputs and their labels. */
    private record Data(float[] x, int n, boolean[] labels) {
        double baseRate() {
            int positives = 0;
            for (boolean l : labels) {
                positives += l ? 1 : 0;
            }
            return (double) positives / labels.length;
        }
    }

    @BeforeAll
    static void data() {
        SplittableRandom rng = new SplittableRandom(2024);
        // Unit directions w_j and offsets c_j in [0.3, 1.5]: with x ~ N(0, I), x·w_j ~ N(0, 1), so neuron
        // activity ranges from about 7% to 38% — unbalanced, as real FFN neurons are.
        float[] w = new float[NEURONS * DIM];
        float[] c = new float[NEURONS];
        for (int j = 0; j < NEURONS; j++) {
            double norm = 0;
            for (int i = 0; i < DIM; i++) {
                double v = gaussian(rng);
                w[j * DIM + i] = (float) v;
                norm += v * v;
            }
            for (int i = 0; i < DIM; i++) {
                w[j * DIM + i] /= (float) Math.sqrt(norm);
            }
            c[j] = (float) (0.3 + 1.2 * rng.nextDouble());
        }
        train = sample(rng, TRAIN, w, c);
        heldOut = sample(rng, HELD_OUT, w, c);
    }

    private static Data sample(SplittableRandom rng, int n, float[] w, float[] c) {
        float[] x = new float[n * DIM];
        boolean[] labels = new boolean[n * NEURONS];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < DIM; i++) {
                x[t * DIM + i] = (float) gaussian(rng);
            }
            for (int j = 0; j < NEURONS; j++) {
                double dot = 0;
                for (int i = 0; i < DIM; i++) {
                    dot += x[t * DIM + i] * w[j * DIM + i];
                }
                labels[t * NEURONS + j] = dot > c[j];
            }
        }
        return new Data(x, n, labels);
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller: SplittableRandom has no nextGaussian on every JDK release the build might meet.
        double u = 1 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    private static PredictorTrainer.Options options() {
        return new PredictorTrainer.Options(48, 20, 3e-3f, 32, 11L);
    }

    @Test
    void trainingLowersTheLossAndReachesRecallWithPrecision() {
        PredictorTrainer.Options options = options();
        double initial = PredictorTrainer.loss(LowRankPredictor.random(DIM, options.rank(), NEURONS, options.seed()),
                train.x(), train.n(), train.labels());
        List<Integer> epochs = new ArrayList<>();
        List<Float> reported = new ArrayList<>();
        PredictorTrainer.Result result = PredictorTrainer.train(train.x(), train.n(), DIM, train.labels(), NEURONS,
                options, (loss, epoch) -> {
                    epochs.add(epoch);
                    reported.add(loss);
                });
        float[] perEpoch = result.lossPerEpoch();
        LowRankPredictor p = result.predictor();
        double finalTrain = PredictorTrainer.loss(p, train.x(), train.n(), train.labels());
        double finalHeldOut = PredictorTrainer.loss(p, heldOut.x(), heldOut.n(), heldOut.labels());
        System.out.printf("initial loss %.4f, per epoch %s, final train %.4f, held-out %.4f%n",
                initial, Arrays.toString(perEpoch), finalTrain, finalHeldOut);

        assertEquals(options.epochs(), perEpoch.length);
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), epochs);
        for (int e = 0; e < perEpoch.length; e++) {
            assertEquals(perEpoch[e], reported.get(e), "progress gets the epoch's loss");
        }
        assertTrue(perEpoch[perEpoch.length - 1] < 0.5 * initial,
                "last epoch " + perEpoch[perEpoch.length - 1] + " vs initial " + initial);
        assertTrue(perEpoch[perEpoch.length - 1] < perEpoch[0], "loss falls over the epochs");
        assertTrue(finalTrain < 0.5 * initial, "final " + finalTrain + " vs initial " + initial);
        // The function is learnt, not memorised: unseen tokens are predicted well too.
        assertTrue(finalHeldOut < 0.6 * initial, "held-out " + finalHeldOut + " vs initial " + initial);

        float threshold = PredictorTrainer.thresholdForRecall(p, train.x(), train.n(), train.labels(), 0.95);
        PredictorTrainer.Metrics onTrain = PredictorTrainer.evaluate(p, train.x(), train.n(), train.labels(),
                threshold);
        PredictorTrainer.Metrics onHeldOut = PredictorTrainer.evaluate(p, heldOut.x(), heldOut.n(),
                heldOut.labels(), threshold);
        double base = train.baseRate();
        System.out.printf("threshold %.4f, base rate %.4f, train %s, held-out %s%n", threshold, base, onTrain,
                onHeldOut);
        assertTrue(onTrain.recall() >= 0.95, "recall " + onTrain.recall());
        // A predictor that knew nothing would need to run ~95% of neurons for 95% recall (precision = base rate).
        assertTrue(onTrain.precision() > 2 * base, "precision " + onTrain.precision() + " vs base " + base);
        assertTrue(onTrain.predictedActiveShare() < 0.5, "runs " + onTrain.predictedActiveShare());
        // The threshold was tuned on the training tokens, so unseen ones lose a few points of recall (0.904 when
        // this was written), not tens.
        assertTrue(onHeldOut.recall() >= 0.85, "held-out recall " + onHeldOut.recall());
        assertTrue(onHeldOut.precision() > 2 * base, "held-out precision " + onHeldOut.precision());

        // Tuned on the scores a session serves (Q8_0 matrices, the session's kernels), the threshold meets the
        // recall target on those very scores, and it is the largest that does.
        try (WorkerPool pool = new WorkerPool(2)) {
            float[] served = ServedPredictor.of(p, new ScalarKernels(pool)).scores(train.x(), train.n(), p.dim());
            float t = PredictorTrainer.thresholdForRecall(served, train.labels(), 0.95);
            assertTrue(PredictorTrainer.evaluate(served, train.labels(), p.neurons(), t).recall() >= 0.95);
            assertTrue(PredictorTrainer.evaluate(served, train.labels(), p.neurons(), Math.nextUp(t)).recall() < 0.95,
                    "a larger threshold loses the target");
            System.out.printf("threshold on the served (Q8_0) scores %.4f against %.4f on the float ones%n", t,
                    threshold);
        }
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        // A slice of the data keeps this quick; determinism does not depend on size.
        int n = 400;
        float[] x = Arrays.copyOf(train.x(), n * DIM);
        boolean[] labels = Arrays.copyOf(train.labels(), n * NEURONS);
        PredictorTrainer.Options options = new PredictorTrainer.Options(16, 3, 1e-3f, 24, 5L);
        PredictorTrainer.Result first = PredictorTrainer.train(x, n, DIM, labels, NEURONS, options, null);
        PredictorTrainer.Result second = PredictorTrainer.train(x, n, DIM, labels, NEURONS, options, null);
        assertArrayEquals(first.predictor().a(), second.predictor().a());
        assertArrayEquals(first.predictor().b(), second.predictor().b());
        assertArrayEquals(first.predictor().bias(), second.predictor().bias());
        assertArrayEquals(first.lossPerEpoch(), second.lossPerEpoch());

        PredictorTrainer.Result other = PredictorTrainer.train(x, n, DIM, labels, NEURONS,
                new PredictorTrainer.Options(16, 3, 1e-3f, 24, 6L), null);
        assertFalse(Arrays.equals(first.predictor().a(), other.predictor().a()));
        // Training moved the weights away from the initialisation.
        assertFalse(Arrays.equals(first.predictor().a(), LowRankPredictor.random(DIM, 16, NEURONS, 5L).a()));
        assertFalse(Arrays.equals(first.predictor().bias(), new float[NEURONS]));
    }

    /** All scores 0: each term is ln 2, so the loss is ln 2 times the weighted share, countable by hand. */
    @Test
    void lossWeightsPositivesByNegativesOverPositivesClamped() {
        int n = 10;
        boolean[] labels = new boolean[n * 3];
        // Neuron 0: 2 of 10 active -> weight 8/2 = 4. Neuron 1: 9 of 10 -> 1/9, clamped up to 1. Neuron 2: never.
        for (int t = 0; t < n; t++) {
            labels[t * 3] = t < 2;
            labels[t * 3 + 1] = t < 9;
        }
        LowRankPredictor zero = new LowRankPredictor(1, 1, 3, new float[1], new float[3], new float[3]);
        double expected = LN2 * ((2 * 4 + 8) + (9 * 1 + 1) + 10) / 30.0;
        assertEquals(expected, PredictorTrainer.loss(zero, new float[n], n, labels), 1e-12);

        // 1 of 202 active: 201 would be the weight, clamped down to 100.
        int m = 202;
        boolean[] rare = new boolean[m];
        rare[17] = true;
        LowRankPredictor one = new LowRankPredictor(1, 1, 1, new float[1], new float[1], new float[1]);
        assertEquals(LN2 * (100 + 201) / 202.0, PredictorTrainer.loss(one, new float[m], m, rare), 1e-12);
    }

    /** score = relu(x): one input, one hidden unit, one neuron, so the scores are the inputs. */
    private static LowRankPredictor identity() {
        return new LowRankPredictor(1, 1, 1, new float[] {1f}, new float[] {1f}, new float[] {0f});
    }

    @Test
    void evaluateCountsByHand() {
        float[] x = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
        boolean[] labels = {false, true, false, true, true, false};
        // threshold 0.3: predicted {0.3, 0.4, 0.5, 0.6}; TP = 0.4, 0.5; FP = 0.3, 0.6; FN = 0.2.
        PredictorTrainer.Metrics m = PredictorTrainer.evaluate(identity(), x, 6, labels, 0.3f);
        assertEquals(2.0 / 3, m.recall(), 1e-12);
        assertEquals(0.5, m.precision(), 1e-12);
        assertEquals(4.0 / 6, m.predictedActiveShare(), 1e-12);
        // Nothing predicted: precision 1 by definition, recall 0.
        PredictorTrainer.Metrics none = PredictorTrainer.evaluate(identity(), x, 6, labels, 2f);
        assertEquals(0.0, none.recall());
        assertEquals(1.0, none.precision());
        assertEquals(0.0, none.predictedActiveShare());
        // No positives: recall 1 by definition.
        PredictorTrainer.Metrics noPositives = PredictorTrainer.evaluate(identity(), x, 6, new boolean[6], 0.3f);
        assertEquals(1.0, noPositives.recall());
        assertEquals(0.0, noPositives.precision());
    }

    @Test
    void thresholdForRecallEdgeCases() {
        // Ten positives scoring 0.1 .. 1.0, interleaved with negatives that score higher (ignored).
        int n = 20;
        float[] x = new float[n];
        boolean[] labels = new boolean[n];
        for (int k = 0; k < 10; k++) {
            x[2 * k] = (k + 1) / 10f;
            labels[2 * k] = true;
            x[2 * k + 1] = 5f + k;
        }
        LowRankPredictor p = identity();
        assertEquals(0.1f, PredictorTrainer.thresholdForRecall(p, x, n, labels, 1.0));
        assertEquals(0.2f, PredictorTrainer.thresholdForRecall(p, x, n, labels, 0.9));
        assertEquals(0.1f, PredictorTrainer.thresholdForRecall(p, x, n, labels, 0.95), "9.5 rounds up to 10 kept");
        assertEquals(0.2f, PredictorTrainer.thresholdForRecall(p, x, n, labels, 0.81));
        assertEquals(1.0f, PredictorTrainer.thresholdForRecall(p, x, n, labels, 0.01), "one positive kept");
        assertEquals(Float.POSITIVE_INFINITY, PredictorTrainer.thresholdForRecall(p, x, n, labels, 0.0));
        for (double target : new double[] {1.0, 0.9, 0.95, 0.5, 0.01}) {
            float t = PredictorTrainer.thresholdForRecall(p, x, n, labels, target);
            assertTrue(PredictorTrainer.evaluate(p, x, n, labels, t).recall() >= target);
            assertTrue(PredictorTrainer.evaluate(p, x, n, labels, Math.nextUp(t)).recall() < target,
                    "the largest such threshold");
        }

        // No positives: any threshold has recall 1, the largest is +infinity.
        assertEquals(Float.POSITIVE_INFINITY, PredictorTrainer.thresholdForRecall(p, x, n, new boolean[n], 0.99));

        // 0.28 * 25 is 7.000000000000001 in double: 7 positives suffice, not 8.
        float[] x25 = new float[25];
        boolean[] all25 = new boolean[25];
        for (int k = 0; k < 25; k++) {
            x25[k] = k + 1;
            all25[k] = true;
        }
        assertEquals(19f, PredictorTrainer.thresholdForRecall(p, x25, 25, all25, 0.28), "7th largest of 1..25");

        // Ties: positives 0.5, 0.5, 0.5, 1.0 at target 0.5 keep two; the threshold is the tied value and keeps all.
        float[] tied = {0.5f, 0.5f, 1f, 0.5f};
        boolean[] allTrue = {true, true, true, true};
        float t = PredictorTrainer.thresholdForRecall(p, tied, 4, allTrue, 0.5);
        assertEquals(0.5f, t);
        assertEquals(1.0, PredictorTrainer.evaluate(p, tied, 4, allTrue, t).recall());

        // Scores below zero (the bias alone): still the right order statistic.
        LowRankPredictor shifted = new LowRankPredictor(1, 1, 1, new float[] {1f}, new float[] {1f},
                new float[] {-3f});
        assertEquals(0.1f - 3f, PredictorTrainer.thresholdForRecall(shifted, x, n, labels, 1.0));

        for (double bad : new double[] {-0.01, 1.01, Double.NaN}) {
            assertThrows(IllegalArgumentException.class,
                    () -> PredictorTrainer.thresholdForRecall(p, x, n, labels, bad));
        }
    }

    @Test
    void thresholdIsTheLargestMeetingRecallOnATrainedPredictor() {
        LowRankPredictor p = LowRankPredictor.random(DIM, 16, NEURONS, 3L);
        int n = 300;
        for (double target : new double[] {0.5, 0.9, 0.99, 1.0}) {
            float t = PredictorTrainer.thresholdForRecall(p, train.x(), n, train.labels(), target);
            assertTrue(PredictorTrainer.evaluate(p, train.x(), n, train.labels(), t).recall() >= target);
            assertTrue(PredictorTrainer.evaluate(p, train.x(), n, train.labels(), Math.nextUp(t)).recall() < target);
        }
    }

    @Test
    void rejectsBadArguments() {
        float[] x = new float[10 * 4];
        boolean[] labels = new boolean[10 * 3];
        PredictorTrainer.Options options = new PredictorTrainer.Options(2, 1, 1e-3f, 4, 0L);
        assertThrows(IllegalArgumentException.class,
                () -> PredictorTrainer.train(x, 10, 4, new boolean[29], 3, options, null));
        assertThrows(IllegalArgumentException.class,
                () -> PredictorTrainer.train(new float[39], 10, 4, labels, 3, options, null));
        assertThrows(IllegalArgumentException.class, () -> new PredictorTrainer.Options(0, 1, 1e-3f, 4, 0L));
        assertThrows(IllegalArgumentException.class, () -> new PredictorTrainer.Options(2, 0, 1e-3f, 4, 0L));
        assertThrows(IllegalArgumentException.class, () -> new PredictorTrainer.Options(2, 1, Float.NaN, 4, 0L));
        assertThrows(IllegalArgumentException.class, () -> new PredictorTrainer.Options(2, 1, 1e-3f, 0, 0L));
        PredictorTrainer.Options d = PredictorTrainer.Options.defaults();
        assertEquals(new PredictorTrainer.Options(128, 20, 1e-3f, 32, 0L), d);
    }
}
