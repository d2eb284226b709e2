package dev.ember.sparsity;

import dev.ember.gguf.GgufFile;
import dev.ember.kernel.Activation;
import dev.ember.model.FeedForward;
import dev.ember.model.Projections;
import dev.ember.model.SparsityProvider;
import dev.ember.model.Weights;
import dev.ember.sparsity.chess.ChessSelector;
import dev.ember.sparsity.coreinfer.CoreInferFeedForward;
import dev.ember.sparsity.predictor.PredictorSelector;
import dev.ember.sparsity.predictor.ServedPredictor;
import dev.ember.sparsity.profile.ProfileTensors;
import dev.ember.sparsity.profile.SparsityProfile;
import dev.ember.sparsity.relu.ReluSelector;
import dev.ember.sparsity.teal.TealProjections;
import dev.ember.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sparsity module's methods behind the runtime's {@link SparsityProvider} seam (found by
 * {@code ServiceLoader}): relu, chess, predictor, coreinfer and synthetic (see {@link SparsitySpec}).
 * Model-wide preparation (the neuron-major W_down copies, profiles, predictor matrices) happens here, once
 * per model and spec; each session gets its own selector and scratch.
 */
public final class SparseMethods implements SparsityProvider {
    /** The predictor rank {@code synthetic:S} pays for, and {@code ember calibrate} trains by default. */
    public static final int DEFAULT_RANK = 128;

    @Override
    public Set<String> methods() {
        return Set.of("relu", "chess", "predictor", "coreinfer", "synthetic", "attn");
    }

    /**
     * {@code attn:S}: TEAL input sparsity on the attention projections, a share S of each token's inputs skipped;
     * {@code attn:PROFILE}: the per-layer thresholds {@code ember calibrate --method teal} wrote.
     */
    @Override
    public Projections.Factory projections(String text, Weights weights, GgufFile model) {
        String arg = text.startsWith("attn:") ? text.substring(5) : "";
        if (arg.isBlank()) {
            throw new IllegalArgumentException("attention sparsity is attn:S with S in [0, 1), or attn:PROFILE (made "
                    + "by 'ember calibrate --method teal'), got '" + text + "'");
        }
        double s;
        try {
            s = Double.parseDouble(arg);
        } catch (NumberFormatException e) {
            return calibratedAttention(Path.of(arg), weights, model);
        }
        if (!(s >= 0 && s < 1)) {
            throw new IllegalArgumentException("attn:S: S must be in [0, 1), got " + arg);
        }
        return TealProjections.factory(s, weights, model);
    }

    private static Projections.Factory calibratedAttention(Path profile, Weights weights, GgufFile model) {
        if (!Files.isRegularFile(profile)) {
            throw new IllegalArgumentException("attn: '" + profile + "' is neither a share S in [0, 1) nor a profile "
                    + "file");
        }
        try (SparsityProfile p = SparsityProfile.open(profile, SparseReadyFile.modelHash(model))) {
            if (!p.method().equals("teal")) {
                throw new IllegalArgumentException("profile " + profile + " was calibrated for '" + p.method()
                        + "', not 'teal' (attention sparsity)");
            }
            int layers = weights.config().layers();
            float[] in = new float[layers];
            float[] out = new float[layers];
            for (int l = 0; l < layers; l++) {
                in[l] = p.floats(ProfileTensors.attentionInputTau(l))[0];
                out[l] = p.floats(ProfileTensors.attentionOutputTau(l))[0];
            }
            return TealProjections.calibrated(in, out, weights, model);
        }
    }

    @Override
    public FeedForward.Factory factory(String text, Weights weights, GgufFile model) {
        SparsitySpec spec = SparsitySpec.parse(text);
        int layers = weights.config().layers();
        int dim = weights.config().dim();
        int ffn = weights.config().ffnDim();
        Activation act = weights.config().activation();
        if (spec.method().equals("relu") && act != Activation.RELU) { // before the copies: a quick refusal
            throw new IllegalArgumentException("relu is exact only for models whose FFN activation is relu "
                    + "(ember.ffn_activation = relu); this model's is " + act.name().toLowerCase());
        }
        // the natural layout's down copies are made at first need: a sparse-ready file's profile needs none
        java.util.function.Supplier<NeuronLayout> natural = () -> NeuronLayout.natural(weights);
        if (spec.method().equals("coreinfer")) {
            Tensor[] down = natural.get().down();
            return (w, kernels, maxBatch) -> new CoreInferFeedForward(w, kernels, maxBatch, spec.alpha(), spec.beta(),
                    spec.cap(), down);
        }
        return switch (spec.method()) {
            case "relu" -> {
                NeuronLayout layout = natural.get();
                yield (w, kernels, maxBatch) -> new SparseFeedForward(w, kernels, new ReluSelector(), layout);
            }
            case "synthetic" -> {
                NeuronLayout layout = natural.get();
                Tensor[][] ab = spec.gate() ? new Tensor[2][layers] : standIn(weights);
                Tensor[] a = ab[0];
                Tensor[] b = ab[1];
                float[][] density = null;
                if (spec.zipf() > 0) { // the hot neurons first: chunks of equal expected work
                    double[] p = SyntheticSelector.probabilities(1 - spec.sparsity(), spec.zipf(), ffn);
                    float[] d = new float[ffn];
                    for (int i = 0; i < ffn; i++) {
                        d[i] = (float) p[i];
                    }
                    density = new float[layers][];
                    java.util.Arrays.fill(density, d);
                }
                float[][] chances = density;
                yield (w, kernels, maxBatch) -> new SparseFeedForward(w, kernels, new SyntheticSelector(
                        spec.sparsity(), spec.zipf(), spec.gate(), ffn,
                        spec.gate() ? null : new LowRankScorer(kernels, a, b, null), System.nanoTime()), layout,
                        chances);
            }
            case "chess" -> {
                try (SparsityProfile p = open(spec, model, "chess")) {
                    NeuronLayout layout = layout(p, weights, natural, model);
                    float[][] tau = new float[layers][];
                    for (int l = 0; l < layers; l++) {
                        tau[l] = inOrder(p.floats(ProfileTensors.chessTau(l)), layout, l, p, ProfileTensors.chessTau(l));
                    }
                    float[][] density = density(p, layout);
                    yield (w, kernels, maxBatch) -> new SparseFeedForward(w, kernels, new ChessSelector(tau, act),
                            layout, density);
                }
            }
            case "predictor" -> {
                try (SparsityProfile p = open(spec, model, "predictor")) {
                    NeuronLayout layout = layout(p, weights, natural, model);
                    Tensor[] a = new Tensor[layers];
                    Tensor[] b = new Tensor[layers];
                    float[][] bias = new float[layers][];
                    float[] threshold = new float[layers];
                    boolean reluLabels = p.param("labels", "relu").equals("relu");
                    float[][] labelTau = reluLabels ? null : new float[layers][];
                    for (int l = 0; l < layers; l++) {
                        if (!reluLabels && p.has(ProfileTensors.predictorLabelTau(l))) {
                            labelTau[l] = inOrder(p.floats(ProfileTensors.predictorLabelTau(l)), layout, l, p,
                                    ProfileTensors.predictorLabelTau(l));
                        } else if (!reluLabels) {
                            labelTau[l] = new float[ffn]; // an older profile: recall against act != 0
                        }
                        // A: dim x rank, B: rank x ffn, row-major; served as calibration tuned them, in neuron
                        // order (B's Q8_0 blocks run along the neurons): the selector reads scores by position
                        Tensor[] ab = ServedPredictor.tensors("blk." + l, p.floats(ProfileTensors.predictorA(l)),
                                p.floats(ProfileTensors.predictorB(l)), dim, ffn);
                        a[l] = ab[0];
                        b[l] = ab[1];
                        bias[l] = p.floats(ProfileTensors.predictorBias(l));
                        threshold[l] = p.floats(ProfileTensors.predictorThreshold(l))[0];
                    }
                    float[][] density = density(p, layout);
                    yield (w, kernels, maxBatch) -> new SparseFeedForward(w, kernels,
                            new PredictorSelector(new LowRankScorer(kernels, a, b, bias), threshold, labelTau, act,
                                    layout.order()),
                            layout, density);
                }
            }
            default -> throw new IllegalArgumentException("unknown sparsity method '" + spec.method() + "'");
        };
    }

    /** Frequency-ordered layouts, per model and profile file (its path, size and time): made once, shared. */
    private static final Map<Weights, Map<String, NeuronLayout>> ORDERED =
            Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * @param model the model's file, or null: a sparse-ready file's stored layout is used when it has the
     *              profile's order
     * @return the profile's frequency-ordered layout when it stores one ({@code blk.N.order} for every layer),
     *         else the natural layout
     */
    static NeuronLayout layout(SparsityProfile p, Weights weights, java.util.function.Supplier<NeuronLayout> natural,
                               GgufFile model) {
        int layers = weights.config().layers();
        int ffn = weights.config().ffnDim();
        int[][] order = new int[layers][];
        for (int l = 0; l < layers && order != null; l++) {
            if (p.has(ProfileTensors.order(l))) {
                order[l] = NeuronLayout.checkOrder(p.ints(ProfileTensors.order(l)), ffn, "profile " + p.path() + ": "
                        + ProfileTensors.order(l));
            } else {
                order = null; // profiles from before the frequency order
            }
        }
        NeuronLayout stored = model == null ? null : SparseReadyFile.stored(model, weights, order);
        if (stored != null) {
            return stored;
        }
        if (order == null) {
            return natural.get();
        }
        String key;
        try {
            key = p.path().toAbsolutePath() + "|" + Files.size(p.path()) + "|" + Files.getLastModifiedTime(p.path());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, NeuronLayout> perModel = ORDERED.computeIfAbsent(weights, w -> new ConcurrentHashMap<>());
        NeuronLayout made = perModel.get(key);
        if (made == null) {
            made = natural.get().reordered(order);
            NeuronLayout raced = perModel.putIfAbsent(key, made);
            made = raced != null ? raced : made;
        }
        return made;
    }

    /**
     * @return per layer the profile's activation frequencies by position, for a frequency-ordered layout (its
     *         chosen neurons cluster at the front, so the kernels' chunks should not be equal spans); else null
     */
    private static float[][] density(SparsityProfile p, NeuronLayout layout) {
        if (layout.order() == null) {
            return null;
        }
        float[][] density = new float[layout.order().length][];
        for (int l = 0; l < density.length; l++) {
            if (!p.has(ProfileTensors.frequency(l))) {
                return null;
            }
            density[l] = inOrder(p.floats(ProfileTensors.frequency(l)), layout, l, p, ProfileTensors.frequency(l));
        }
        return density;
    }

    /** @return a profile's per-neuron values, checked for length, in the layout's order */
    private static float[] inOrder(float[] values, NeuronLayout layout, int layer, SparsityProfile p, String name) {
        int ffn = (int) layout.gate()[layer].rows();
        if (values.length != ffn) {
            throw new IllegalArgumentException("profile " + p.path() + ": " + name + " has " + values.length
                    + " values, the model's FFN has " + ffn);
        }
        return layout.order() == null ? values : NeuronLayout.permute(values, layout.order()[layer]);
    }

    /** The stand-in predictors' random matrices, per model: a pure function of its shape, made once. */
    private static final Map<Weights, Tensor[][]> STAND_INS = Collections.synchronizedMap(new WeakHashMap<>());

    /** @return {A per layer, B^T per layer}: random Q8_0 matrices of a default-rank predictor's shape */
    private static Tensor[][] standIn(Weights weights) {
        return STAND_INS.computeIfAbsent(weights, w -> {
            int layers = w.config().layers();
            int dim = w.config().dim();
            int ffn = w.config().ffnDim();
            Tensor[][] ab = new Tensor[2][layers];
            java.util.stream.IntStream.range(0, layers).parallel().forEach(l -> {
                ab[0][l] = Matrices.random("blk." + l + ".pred_a", DEFAULT_RANK, dim, 0.05f, 11L * l + 1);
                ab[1][l] = Matrices.random("blk." + l + ".pred_b", DEFAULT_RANK, ffn, 0.05f, 11L * l + 2); // B^T
            });
            return ab;
        });
    }


    private static SparsityProfile open(SparsitySpec spec, GgufFile model, String method) {
        if (!Files.isRegularFile(spec.profile())) {
            throw new IllegalArgumentException("profile not found: " + spec.profile());
        }
        SparsityProfile p = SparsityProfile.open(spec.profile(), SparseReadyFile.modelHash(model));
        if (!p.method().equals(method)) {
            p.close();
            throw new IllegalArgumentException("profile " + spec.profile() + " was calibrated for '" + p.method()
                    + "', not '" + method + "'");
        }
        return p;
    }
}
