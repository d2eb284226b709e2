package dev.ember.sparsity.calibrate;

import dev.ember.EmberException;
import dev.ember.Model;
import dev.ember.Perplexity;
import dev.ember.SessionOptions;
import dev.ember.kernel.Activation;
import dev.ember.kernel.ScalarKernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.model.LayerWeights;
import dev.ember.sparsity.chess.ChessThresholds;
import dev.ember.sparsity.predictor.LowRankPredictor;
import dev.ember.sparsity.predictor.PredictorTrainer;
import dev.ember.sparsity.predictor.ServedPredictor;
import dev.ember.sparsity.profile.ModelHash;
import dev.ember.sparsity.profile.ProfileTensors;
import dev.ember.sparsity.profile.SparsityProfile;
import dev.ember.sparsity.teal.InputRecorder;
import dev.ember.sparsity.teal.TealThresholds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a sparsity profile ({@code ember calibrate}): records the model's FFN activations on a calibration
 * text ({@link ActivationRecorder}), then
 * <ul>
 *   <li>chess: per-layer CHESS thresholds ({@link ChessThresholds}) at a target sparsity, given directly or
 *       chosen as the largest on a grid (0.10 .. 0.95, step 0.05; binary search) whose perplexity on the
 *       calibration text rises at most a budget (percent) over dense;</li>
 *   <li>predictor: a low-rank predictor per layer ({@link PredictorTrainer}) of which channels are active
 *       ({@code act(gate) > 0} for ReLU models; else {@code |act(gate)| >= tau} with CHESS thresholds at the
 *       target sparsity, 0.5 by default), with the score threshold for 99% recall on the training data.</li>
 * </ul>
 */
public final class Calibrator {
    /** The sparsity grid the perplexity budget searches. */
    static final double GRID_MIN = 0.10;
    static final double GRID_STEP = 0.05;
    static final int GRID_SIZE = 18; // 0.10 .. 0.95
    /** Target recall of the predictor threshold. */
    static final double RECALL = 0.99;
    static final double DEFAULT_PREDICTOR_SPARSITY = 0.5;

    private Calibrator() {
    }

    /**
     * @param method          "chess" or "predictor"
     * @param targetSparsity  the share to skip, in (0, 1), or NaN
     * @param pplBudget       percent perplexity rise allowed, or NaN; not both with targetSparsity. chess: the
     *                        largest sparsity on a grid within it; predictor: the lowest recall target on
     *                        {@link #RECALL_GRID} (so the most neurons skipped) within it
     * @param rank            predictor rank
     * @param epochs          predictor training epochs
     * @param maxTokens       calibration tokens recorded at most
     * @param ctx             tokens per sequence when recording and per perplexity chunk
     * @param compose         teal: the FFN method its perplexity budget is measured with ({@code chess:P}, ...),
     *                        so that the budget covers the combination; null for attention sparsity alone
     */
    public record Options(String method, double targetSparsity, double pplBudget, int rank, int epochs,
                          int maxTokens, int ctx, String compose) {
        public Options {
            if (!"chess".equals(method) && !"predictor".equals(method) && !"teal".equals(method)) {
                throw new EmberException("unknown calibration method '" + method
                        + "' (supported: chess, predictor, teal)");
            }
            boolean thresholds = "chess".equals(method) || "teal".equals(method);
            if (compose != null && !"teal".equals(method)) {
                throw new EmberException("composing with an FFN method (" + compose + ") is for --method teal");
            }
            if (compose != null && (compose.startsWith("attn") || compose.contains("+"))) {
                throw new EmberException("teal composes with one FFN method (chess:P, predictor:P, ...), got '"
                        + compose + "'");
            }
            if (thresholds && !Double.isNaN(targetSparsity) && !Double.isNaN(pplBudget)) {
                // (for the predictor the target sparsity sets its labels and the budget its recall: both make sense)
                throw new EmberException("give either a target sparsity or a perplexity budget, not both");
            }
            if (!Double.isNaN(targetSparsity) && !(targetSparsity > 0 && targetSparsity < 1)) {
                throw new EmberException("target sparsity must be in (0, 1), got " + targetSparsity);
            }
            if (!Double.isNaN(pplBudget) && !(pplBudget >= 0)) {
                throw new EmberException("perplexity budget must be >= 0 (percent), got " + pplBudget);
            }
            if (thresholds && Double.isNaN(targetSparsity) && Double.isNaN(pplBudget)) {
                throw new EmberException("method " + method + " needs a target sparsity or a perplexity budget");
            }
            if (rank < 1) {
                throw new EmberException("rank must be >= 1, got " + rank);
            }
            if (epochs < 1) {
                throw new EmberException("epochs must be >= 1, got " + epochs);
            }
            if (maxTokens < 1) {
                throw new EmberException("max tokens must be >= 1, got " + maxTokens);
            }
            if (ctx < 4) {
                throw new EmberException("ctx must be >= 4, got " + ctx);
            }
        }

        /** Options of a method on its own (no composition). */
        public Options(String method, double targetSparsity, double pplBudget, int rank, int epochs, int maxTokens,
                       int ctx) {
            this(method, targetSparsity, pplBudget, rank, epochs, maxTokens, ctx, null);
        }

        /** chess at a fixed target. */
        public static Options chess(double targetSparsity) {
            return new Options("chess", targetSparsity, Double.NaN, 128, 20, 2048, 128);
        }

        public Options withMaxTokens(int value) {
            return new Options(method, targetSparsity, pplBudget, rank, epochs, value, ctx, compose);
        }

        public Options withCtx(int value) {
            return new Options(method, targetSparsity, pplBudget, rank, epochs, maxTokens, value, compose);
        }

        public Options withCompose(String value) {
            return new Options(method, targetSparsity, pplBudget, rank, epochs, maxTokens, ctx, value);
        }
    }

    /** Progress: stages with a known amount of work. */
    public interface Listener {
        /** A stage starts: {@code total} steps. */
        default void stage(String name, long total) {
        }

        /** {@code done} of the current stage's steps are done. */
        default void step(long done) {
        }

        /** A line worth showing (a result of the stage). */
        default void message(String line) {
        }

        Listener NONE = new Listener() {
        };
    }

    /**
     * What was written.
     *
     * @param sparsity        the target sparsity used (chosen, for a budget)
     * @param achieved        per layer, the share skipped on the calibration data (chess), or the predicted
     *                        inactive share (predictor)
     * @param densePpl        perplexity of the dense model on the calibration text (NaN when not measured)
     * @param sparsePpl       with the chosen profile (NaN when not measured)
     * @param recall          per layer (predictor), else null
     * @param precision       per layer (predictor), else null
     * @param tokens          calibration tokens recorded
     */
    public record Summary(String method, double sparsity, double[] achieved, double densePpl, double sparsePpl,
                          double[] recall, double[] precision, int tokens) {
    }

    /**
     * Calibrates and writes the profile to {@code out}.
     *
     * @throws EmberException naming the problem (text too short for a budget, budget not reachable, ...)
     */
    public static Summary calibrate(Model model, String text, Options o, Path out, Listener listener) {
        Listener l = listener == null ? Listener.NONE : listener;
        int[] tokens = model.tokenizer().encode(text, true, false);
        if (tokens.length < 2) {
            throw new EmberException("the calibration text is only " + tokens.length + " tokens");
        }
        int n = Math.min(tokens.length, o.maxTokens());
        if ("teal".equals(o.method())) {
            return teal(model, tokens, dev.ember.sparsity.SparseReadyFile.modelHash(model.gguf()), o, out, l);
        }
        boolean predictor = "predictor".equals(o.method());
        l.stage("record", n);
        ActivationRecorder.Recording rec = ActivationRecorder.record(model, tokens, o.ctx(), o.maxTokens(),
                predictor, l::step);
        String hash = dev.ember.sparsity.SparseReadyFile.modelHash(model.gguf());
        if (!predictor) {
            return chess(model, tokens, rec, hash, o, out, l);
        }
        return predictor(model, tokens, rec, hash, o, out, l);
    }

    private static Summary chess(Model model, int[] tokens, ActivationRecorder.Recording rec, String hash,
                                 Options o, Path out, Listener l) {
        double s = o.targetSparsity();
        double dense = Double.NaN;
        double sparse = Double.NaN;
        if (Double.isNaN(s)) {
            Budget b = search(model, tokens, o, out, GRID_SIZE, p -> "chess:" + p, l, (k, tmp) -> {
                writeChess(rec, hash, grid(k), tmp, Double.NaN, Double.NaN, new float[rec.layers()][]);
                return String.format(Locale.ROOT, "sparsity %.2f", grid(k));
            }, String.format(Locale.ROOT, "no sparsity of at least %.2f", GRID_MIN));
            s = grid(b.index());
            dense = b.dense();
            sparse = b.sparse();
        }
        float[][] frequency = new float[rec.layers()][];
        double[] achieved = writeChess(rec, hash, s, out, dense, sparse, frequency);
        l.message(NeuronFrequency.curve(frequency));
        return new Summary("chess", s, achieved, dense, sparse, null, null, rec.tokens());
    }

    /** Tokens TEAL's thresholds are set from, at most: the magnitude distribution needs far fewer than CHESS. */
    static final int TEAL_TOKENS = 512;

    /**
     * TEAL: records the attention projections' inputs, builds each layer's two error curves
     * ({@link TealThresholds}), and allocates levels greedily for a model-wide target (given, or the largest on
     * the grid whose perplexity, with {@code o.compose()} when given, stays within the budget).
     */
    private static Summary teal(Model model, int[] tokens, String hash, Options o, Path out, Listener l) {
        if (o.compose() != null) { // before recording: a bad FFN spec should not cost the recording first
            try {
                model.newSession(SessionOptions.builder().contextLength(8).maxBatch(1).sparsity(o.compose()).build());
            } catch (EmberException e) {
                throw new EmberException("--compose " + o.compose() + ": " + e.getMessage(), e);
            }
        }
        int n = Math.min(tokens.length, Math.min(o.maxTokens(), TEAL_TOKENS));
        l.stage("record", n);
        InputRecorder.Recording rec = InputRecorder.record(model, tokens, o.ctx(), n, l::step);
        int layers = model.config().layers();
        TealThresholds.Curve[] curves = new TealThresholds.Curve[2 * layers]; // per layer: q/k/v inputs, o inputs
        java.util.stream.IntStream.range(0, layers).parallel().forEach(layer -> {
            LayerWeights w = rec.weights().layer(layer);
            curves[2 * layer] = TealThresholds.curve(rec.qkvInput()[layer], rec.tokens(), rec.dim(),
                    TealThresholds.channelWeights(rec.dim(), w.attnQ(), w.attnK(), w.attnV()),
                    w.attnQ().data().byteSize() + w.attnK().data().byteSize() + w.attnV().data().byteSize());
            curves[2 * layer + 1] = TealThresholds.curve(rec.oInput()[layer], rec.tokens(), rec.qDim(),
                    TealThresholds.channelWeights(rec.qDim(), w.attnOutput()), w.attnOutput().data().byteSize());
        });
        double s = o.targetSparsity();
        double dense = Double.NaN;
        double sparse = Double.NaN;
        String prefix = o.compose() == null ? "" : o.compose() + "+";
        if (Double.isNaN(s)) {
            Budget b = search(model, tokens, o, out, GRID_SIZE, p -> prefix + "attn:" + p, l, (k, tmp) -> {
                writeTeal(curves, TealThresholds.allocate(curves, grid(k)), hash, grid(k), rec.tokens(), o, tmp,
                        Double.NaN, Double.NaN);
                return String.format(Locale.ROOT, "%sattention sparsity %.2f", prefix, grid(k));
            }, String.format(Locale.ROOT, "no attention sparsity of at least %.2f%s", GRID_MIN,
                    o.compose() == null ? "" : " (with " + o.compose() + ")"));
            s = grid(b.index());
            dense = b.dense();
            sparse = b.sparse();
        }
        int[] level = TealThresholds.allocate(curves, s);
        writeTeal(curves, level, hash, s, rec.tokens(), o, out, dense, sparse);
        double[] achieved = new double[layers];
        for (int layer = 0; layer < layers; layer++) {
            TealThresholds.Curve in = curves[2 * layer];
            TealThresholds.Curve ot = curves[2 * layer + 1];
            double li = level[2 * layer] * TealThresholds.STEP;
            double lo = level[2 * layer + 1] * TealThresholds.STEP;
            achieved[layer] = (li * in.bytes() + lo * ot.bytes()) / (in.bytes() + ot.bytes());
            l.message(String.format(Locale.ROOT, "layer %d: q/k/v inputs %.2f skipped (|x| < %.4g), o inputs %.2f "
                    + "(|x| < %.4g); weight bytes skipped %.3f", layer, li, in.tau()[level[2 * layer]], lo,
                    ot.tau()[level[2 * layer + 1]], achieved[layer]));
        }
        return new Summary("teal", s, achieved, dense, sparse, null, null, rec.tokens());
    }

    private static void writeTeal(TealThresholds.Curve[] curves, int[] level, String hash, double target, int tokens,
                                  Options o, Path out, double dense, double sparse) {
        int layers = curves.length / 2;
        SparsityProfile.Builder b = SparsityProfile.builder("teal", hash, layers)
                .param("target_sparsity", Double.toString(target))
                .param("calibration_tokens", Integer.toString(tokens));
        if (o.compose() != null) {
            b.param("composed_with", o.compose());
        }
        if (!Double.isNaN(dense)) {
            b.param("dense_ppl", Double.toString(dense));
        }
        if (!Double.isNaN(sparse)) {
            b.param("sparse_ppl", Double.toString(sparse));
        }
        for (int layer = 0; layer < layers; layer++) {
            int li = level[2 * layer];
            int lo = level[2 * layer + 1];
            b.floats(ProfileTensors.attentionInputTau(layer), new float[] {curves[2 * layer].tau()[li]}, 1);
            b.floats(ProfileTensors.attentionOutputTau(layer), new float[] {curves[2 * layer + 1].tau()[lo]}, 1);
            b.floats(ProfileTensors.attentionSparsity(layer), new float[] {(float) (li * TealThresholds.STEP),
                (float) (lo * TealThresholds.STEP)}, 2);
        }
        b.write(out);
    }

    static double grid(int i) {
        return Math.round((GRID_MIN + i * GRID_STEP) * 100) / 100.0;
    }

    /**
     * Per layer taus at sparsity s, written to out with each neuron's activation frequency (also left in
     * {@code frequency}); returns the achieved sparsity per layer.
     */
    private static double[] writeChess(ActivationRecorder.Recording rec, String hash, double s, Path out,
                                       double dense, double sparse, float[][] frequency) {
        SparsityProfile.Builder b = SparsityProfile.builder("chess", hash, rec.layers())
                .param("target_sparsity", Double.toString(s))
                .param("calibration_tokens", Integer.toString(rec.tokens()));
        if (!Double.isNaN(dense)) {
            b.param("dense_ppl", Double.toString(dense));
        }
        if (!Double.isNaN(sparse)) {
            b.param("sparse_ppl", Double.toString(sparse));
        }
        double[] achieved = new double[rec.layers()];
        for (int l = 0; l < rec.layers(); l++) {
            float[] tau = ChessThresholds.compute(rec.meanUpSquared()[l], rec.gate()[l], rec.tokens(), rec.ffn(), s);
            achieved[l] = ChessThresholds.achievedSparsity(tau, rec.gate()[l], rec.tokens(), rec.ffn());
            frequency[l] = NeuronFrequency.ofChess(tau, rec.gate()[l], rec.tokens(), rec.ffn());
            b.floats(ProfileTensors.chessTau(l), tau, rec.ffn());
            b.floats(ProfileTensors.frequency(l), frequency[l], rec.ffn());
            b.ints(ProfileTensors.order(l), NeuronFrequency.order(frequency[l]), rec.ffn());
        }
        b.write(out);
        return achieved;
    }

    /** Recall targets the predictor's perplexity budget searches, from the safest down. */
    static final double[] RECALL_GRID = {0.999, 0.995, 0.99, 0.98, 0.97, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5};

    /**
     * The trained predictors of every layer, with the data their thresholds are tuned on: the labels, the
     * scores the predictors give as a session serves them ({@link ServedPredictor}), (tokens, ffn) per layer, and
     * the labels' activation frequency per neuron (ffn) per layer.
     */
    private record Predictors(LowRankPredictor[] predictors, boolean[][] labels, float[][] labelTau,
                              double labelSparsity, boolean relu, float[][] servedScores, float[][] frequency) {
    }

    private static Summary predictor(Model model, int[] tokens, ActivationRecorder.Recording rec, String hash,
                                     Options o, Path out, Listener l) {
        Predictors ps = servedScores(train(rec, o, l), rec, model.threads());
        double recall = RECALL;
        double dense = Double.NaN;
        double sparse = Double.NaN;
        if (!Double.isNaN(o.pplBudget())) {
            Budget b = search(model, tokens, o, out, RECALL_GRID.length, p -> "predictor:" + p, l, (k, tmp) -> {
                Metrics m = writePredictor(ps, rec, hash, RECALL_GRID[k], tmp, Double.NaN, Double.NaN);
                return String.format(Locale.ROOT, "recall %.3f (sparsity %.3f)", RECALL_GRID[k], mean(m.achieved()));
            }, String.format(Locale.ROOT, "no recall target down to %.3f", RECALL_GRID[0]));
            recall = RECALL_GRID[b.index()];
            dense = b.dense();
            sparse = b.sparse();
        }
        Metrics m = writePredictor(ps, rec, hash, recall, out, dense, sparse);
        l.message(NeuronFrequency.curve(ps.frequency()));
        for (int layer = 0; layer < rec.layers(); layer++) {
            l.message(String.format(Locale.ROOT, "layer %d: recall %.4f, precision %.4f, predicted sparsity %.3f",
                    layer, m.recall()[layer], m.precision()[layer], m.achieved()[layer]));
        }
        return new Summary("predictor", ps.relu() ? Double.NaN : ps.labelSparsity(), m.achieved(), dense, sparse,
                m.recall(), m.precision(), rec.tokens());
    }

    private static double mean(double[] v) {
        return java.util.Arrays.stream(v).average().orElse(0);
    }

    /** Trains every layer's predictor on the recording (labels: act > 0 for ReLU, else CHESS's at a sparsity). */
    private static Predictors train(ActivationRecorder.Recording rec, Options o, Listener l) {
        int n = rec.tokens();
        int ffn = rec.ffn();
        int dim = rec.dim();
        boolean relu = rec.activation() == Activation.RELU;
        double s = Double.isNaN(o.targetSparsity()) ? DEFAULT_PREDICTOR_SPARSITY : o.targetSparsity();
        PredictorTrainer.Options training = PredictorTrainer.Options.defaults().withRank(o.rank()).withEpochs(o.epochs());
        LowRankPredictor[] predictors = new LowRankPredictor[rec.layers()];
        boolean[][] labels = new boolean[rec.layers()][];
        float[][] labelTau = relu ? null : new float[rec.layers()][];
        l.stage("train", (long) rec.layers() * o.epochs());
        for (int layer = 0; layer < rec.layers(); layer++) {
            float[] gate = rec.gate()[layer];
            boolean[] lab = new boolean[n * ffn];
            if (relu) {
                for (int k = 0; k < lab.length; k++) {
                    lab[k] = gate[k] > 0;
                }
            } else {
                float[] tau = ChessThresholds.compute(rec.meanUpSquared()[layer], gate, n, ffn, s);
                labelTau[layer] = tau;
                for (int t = 0, k = 0; t < n; t++) {
                    for (int i = 0; i < ffn; i++, k++) {
                        lab[k] = !ChessThresholds.skips(gate[k], tau[i]);
                    }
                }
            }
            final int base = layer * o.epochs();
            predictors[layer] = PredictorTrainer.train(rec.x()[layer], n, dim, lab, ffn, training,
                    (loss, epoch) -> l.step(base + epoch)).predictor();
            labels[layer] = lab;
        }
        return new Predictors(predictors, labels, labelTau, s, relu, null, null);
    }

    /** Per layer: recall, precision and predicted-inactive share on the calibration tokens. */
    private record Metrics(double[] recall, double[] precision, double[] achieved) {
    }

    /** Thresholds for a recall target on every layer, written with the predictors to out. */
    private static Metrics writePredictor(Predictors ps, ActivationRecorder.Recording rec, String hash, double recall,
                                          Path out, double dense, double sparse) {
        int n = rec.tokens();
        int ffn = rec.ffn();
        int dim = rec.dim();
        SparsityProfile.Builder b = SparsityProfile.builder("predictor", hash, rec.layers())
                .param("rank", Integer.toString(ps.predictors()[0].rank()))
                .param("labels", ps.relu() ? "relu" : "chess")
                .param("recall_target", Double.toString(recall))
                .param("calibration_tokens", Integer.toString(n));
        if (!ps.relu()) {
            b.param("target_sparsity", Double.toString(ps.labelSparsity()));
        }
        if (!Double.isNaN(dense)) {
            b.param("dense_ppl", Double.toString(dense));
        }
        if (!Double.isNaN(sparse)) {
            b.param("sparse_ppl", Double.toString(sparse));
        }
        Metrics metrics = new Metrics(new double[rec.layers()], new double[rec.layers()], new double[rec.layers()]);
        for (int layer = 0; layer < rec.layers(); layer++) {
            LowRankPredictor p = ps.predictors()[layer];
            // tuned on the scores a session computes (Q8_0 predictor matrices), so the recall is the run's
            float threshold = PredictorTrainer.thresholdForRecall(ps.servedScores()[layer], ps.labels()[layer], recall);
            PredictorTrainer.Metrics m = PredictorTrainer.evaluate(ps.servedScores()[layer], ps.labels()[layer], ffn,
                    threshold);
            metrics.recall()[layer] = m.recall();
            metrics.precision()[layer] = m.precision();
            metrics.achieved()[layer] = 1 - m.predictedActiveShare();
            b.floats(ProfileTensors.predictorA(layer), p.a(), p.rank(), dim);
            b.floats(ProfileTensors.predictorB(layer), p.b(), ffn, p.rank());
            b.floats(ProfileTensors.predictorBias(layer), p.bias(), ffn);
            b.floats(ProfileTensors.predictorThreshold(layer), new float[] {threshold}, 1);
            b.floats(ProfileTensors.frequency(layer), ps.frequency()[layer], ffn);
            b.ints(ProfileTensors.order(layer), NeuronFrequency.order(ps.frequency()[layer]), ffn);
            if (!ps.relu()) { // the labels' rule, so a run can measure its recall against them
                b.floats(ProfileTensors.predictorLabelTau(layer), ps.labelTau()[layer], ffn);
            }
        }
        b.write(out);
        return metrics;
    }

    /**
     * @return the predictors with their served scores on the calibration tokens (on the scalar kernels) and their
     *         labels' activation frequencies: computed once, whatever the perplexity budget's search writes
     */
    private static Predictors servedScores(Predictors ps, ActivationRecorder.Recording rec, int threads) {
        float[][] scores = new float[rec.layers()][];
        float[][] frequency = new float[rec.layers()][];
        try (WorkerPool pool = new WorkerPool(threads)) {
            ScalarKernels kernels = new ScalarKernels(pool);
            for (int layer = 0; layer < rec.layers(); layer++) {
                scores[layer] = ServedPredictor.of(ps.predictors()[layer], kernels).scores(rec.x()[layer],
                        rec.tokens(), rec.dim());
                frequency[layer] = NeuronFrequency.of(ps.labels()[layer], rec.tokens(), rec.ffn());
            }
        }
        return new Predictors(ps.predictors(), ps.labels(), ps.labelTau(), ps.labelSparsity(), ps.relu(), scores,
                frequency);
    }

    /** What a perplexity budget chose: the grid index, and dense and sparse perplexity on the calibration text. */
    private record Budget(int index, double dense, double sparse) {
    }

    /** Writes grid point k's profile to the given file and says what it is, for the progress messages. */
    @FunctionalInterface
    private interface Candidate {
        String write(int k, Path profile);
    }

    /**
     * Binary search over a grid whose later points skip more, for the last point whose perplexity on the
     * calibration text stays within the budget (perplexity is taken to rise along the grid), each point measured
     * through a real session with its profile.
     *
     * @throws EmberException "{@code none}... keeps the perplexity within P % of dense" when even the first fails
     */
    private static Budget search(Model model, int[] tokens, Options o, Path out, int size,
                                 java.util.function.Function<Path, String> spec, Listener l, Candidate candidate,
                                 String none) {
        int[] pplTokens = budgetTokens(tokens, o);
        l.stage("dense perplexity", 1);
        double dense = perplexity(model, pplTokens, o.ctx(), SessionOptions.DENSE);
        l.step(1);
        l.message(String.format(Locale.ROOT, "dense perplexity %.4f", dense));
        double limit = dense * (1 + o.pplBudget() / 100);
        Path tmp = tempProfile(out);
        try {
            int lo = -1; // last grid index known to fit
            double loPpl = Double.NaN;
            int hi = size; // first index known not to fit
            l.stage("search", Integer.toBinaryString(size).length());
            int steps = 0;
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                String what = candidate.write(mid, tmp);
                double ppl = perplexity(model, pplTokens, o.ctx(), spec.apply(tmp));
                l.step(++steps);
                l.message(String.format(Locale.ROOT, "%s: perplexity %.4f (%+.2f%%)", what, ppl, 100 * (ppl / dense - 1)));
                if (ppl <= limit) {
                    lo = mid;
                    loPpl = ppl;
                } else {
                    hi = mid;
                }
            }
            if (lo < 0) {
                throw new EmberException(String.format(Locale.ROOT, "%s keeps the perplexity within %s%% of dense (%.4f)",
                        none, o.pplBudget(), dense));
            }
            return new Budget(lo, dense, loPpl);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    /** The calibration tokens a perplexity budget is measured on (at least two chunks). */
    private static int[] budgetTokens(int[] tokens, Options o) {
        int[] pplTokens = java.util.Arrays.copyOf(tokens, Math.min(tokens.length, Math.max(o.maxTokens(), 2 * o.ctx())));
        if (pplTokens.length < 2 * o.ctx()) {
            throw new EmberException("the calibration text is " + tokens.length + " tokens; a perplexity budget "
                    + "with a context of " + o.ctx() + " needs at least " + 2 * o.ctx());
        }
        return pplTokens;
    }

    private static Path tempProfile(Path out) {
        try {
            Path dir = out.toAbsolutePath().getParent();
            return Files.createTempFile(dir != null && Files.isDirectory(dir) ? dir : Path.of(System.getProperty("java.io.tmpdir")),
                    "ember-calibrate-", ".gguf");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary profile: " + e.getMessage(), e);
        }
    }

    /**
     * Perplexity of {@code tokens} with llama-perplexity's method (chunks of ctx, second half scored), through a
     * session with the given sparsity spec.
     */
    static double perplexity(Model model, int[] tokens, int ctx, String sparsity) {
        return Perplexity.compute(model, tokens, ctx, sparsity, null).perplexity();
    }

    /** @return the summary as lines for a terminal */
    public static List<String> describe(Summary s) {
        List<String> lines = new ArrayList<>();
        if (!Double.isNaN(s.densePpl())) {
            lines.add(String.format(Locale.ROOT, "perplexity: dense %.4f, sparse %.4f (%+.2f%%)", s.densePpl(),
                    s.sparsePpl(), 100 * (s.sparsePpl() / s.densePpl() - 1)));
        }
        for (int l = 0; l < s.achieved().length; l++) {
            if (s.method().equals("teal")) {
                lines.add(String.format(Locale.ROOT, "layer %d: attention weight bytes skipped %.3f", l,
                        s.achieved()[l]));
            } else if (s.recall() != null) {
                lines.add(String.format(Locale.ROOT, "layer %d: recall %.4f, precision %.4f, predicted sparsity %.3f",
                        l, s.recall()[l], s.precision()[l], s.achieved()[l]));
            } else {
                lines.add(String.format(Locale.ROOT, "layer %d: sparsity %.3f on the calibration tokens", l,
                        s.achieved()[l]));
            }
        }
        return lines;
    }
}
