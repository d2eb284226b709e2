package dev.ember.sparsity;

import dev.ember.kernel.Activation;
import dev.ember.kernel.Kernels;
import dev.ember.model.FeedForward;
import dev.ember.model.SparsityStats;
import dev.ember.model.Weights;
import dev.ember.tensor.Tensor;

/**
 * The FFN over the neurons a {@link NeuronSelector} chooses, token by token:
 * <pre>
 *   ids      = select(x)                         (from the dense gate, or from x alone)
 *   g, u     = W_gate[ids] x, W_up[ids] x        (only the chosen rows are read)
 *   h        = act(g) * u
 *   out      = sum_k h[k] * W_down_nm[ids[k]]    (over the neuron-major copy of W_down)
 * </pre>
 * the last three lines as one kernel op ({@link Kernels#sparseFeedForward}: matvecRows, gatedActivation and
 * accumulateRows, or one fused pass where a provider has it).
 * Equal to the dense FFN when every neuron is chosen, up to the order of the down projection's sums (and
 * the neuron-major copy's re-quantization, {@link NeuronMajor#relativeError()}), in whichever order the
 * {@link NeuronLayout} stores the neurons. A prefill batch runs token
 * by token, so perplexity sees the same sparsity as decode. Allocates nothing per token.
 */
public final class SparseFeedForward implements FeedForward {
    private final Kernels kernels;
    private final NeuronSelector selector;
    private final Tensor[] gate;
    private final Tensor[] up;
    private final Tensor[] down;
    private final Activation activation;
    private final int dim;
    private final int ffn;
    private final int[] ids;
    private final float[] gateAll; // the dense gate, when the selector needs it
    private final float[] g;       // gate of the chosen neurons, then h = act(g) * u
    private final float[] u;       // up of the chosen neurons
    private final SparsityStats stats;
    private final long[] chosenRowBytes; // (layers) weight bytes the sparse pass reads per chosen neuron

    /**
     * @param weights  the model's weights
     * @param kernels  the session's kernels
     * @param selector chooses each token's neurons
     * @param layout   the FFN's matrices in the order the selector's ids number the neurons
     */
    public SparseFeedForward(Weights weights, Kernels kernels, NeuronSelector selector, NeuronLayout layout) {
        this(weights, kernels, selector, layout, null);
    }

    /**
     * @param density per layer, each position's expected share of tokens that choose it (a frequency-ordered
     *                layout's calibrated frequencies, a skewed stand-in's chances), or null: the kernels then
     *                cut the neurons into chunks of equal expected work ({@link Kernels#sparseChunks})
     */
    public SparseFeedForward(Weights weights, Kernels kernels, NeuronSelector selector, NeuronLayout layout,
                             float[][] density) {
        this.kernels = kernels;
        this.selector = selector;
        this.gate = layout.gate();
        this.up = layout.up();
        this.down = layout.down();
        for (int l = 0; density != null && l < down.length; l++) {
            kernels.sparseChunks(gate[l], balancedCuts(density[l], CHUNKS));
        }
        if (layout.stored() != null) { // a sparse-ready file's bundles: the kernels read them instead of building
            for (int l = 0; l < down.length; l++) {
                if (layout.kernelLayout().equals(kernels.sparseLayout(gate[l], up[l], down[l]))) {
                    kernels.useSparseLayout(gate[l], up[l], down[l], layout.stored()[l].data());
                }
            }
        }
        this.activation = weights.config().activation();
        this.dim = weights.config().dim();
        this.ffn = weights.config().ffnDim();
        this.ids = new int[ffn];
        this.gateAll = new float[ffn];
        this.g = new float[ffn];
        this.u = new float[ffn];
        this.stats = new SparsityStats(weights.config().layers());
        this.chosenRowBytes = new long[weights.config().layers()];
        for (int l = 0; l < chosenRowBytes.length; l++) {
            chosenRowBytes[l] = up[l].rowBytes() + down[l].rowBytes()
                    + (selector.needsGate() ? 0 : gate[l].rowBytes()); // a dense gate is the select phase's
        }
    }

    /** Chunks a layer's neurons are cut into for the kernels: as many as the native kernels' default. */
    static final int CHUNKS = 16;

    /**
     * @return cuts (ascending multiples of 8 from 0) into {@code chunks} spans of about equal expected count, or
     *         fewer when the density is concentrated in fewer multiples of 8
     */
    static int[] balancedCuts(float[] density, int chunks) {
        double total = 0;
        for (float d : density) {
            total += d;
        }
        int[] cuts = new int[chunks];
        int n = 1; // cuts[0] = 0
        double sum = 0;
        for (int i = 0; i < density.length && n < chunks; i++) {
            sum += density[i];
            int at = (i + 1 + 7) / 8 * 8; // the next multiple of 8 after neuron i
            if (sum >= total * n / chunks && at > cuts[n - 1] && at < density.length) {
                cuts[n++] = at;
            }
        }
        return java.util.Arrays.copyOf(cuts, n);
    }

    @Override
    public void apply(int layer, float[] x, int batch, float[] out) {
        for (int t = 0; t < batch; t++) {
            int xOff = t * dim;
            long t0 = System.nanoTime();
            if (selector.needsGate()) {
                kernels.matvec(gate[layer], x, xOff, gateAll, 0);
            }
            int count = selector.select(layer, x, xOff, selector.needsGate() ? gateAll : null, ids);
            stats.count(layer, count, ffn);
            if (stats.measuringRecall() && selector.knowsTruth()) {
                recall(layer, x, xOff, count);
            }
            long t1 = System.nanoTime();
            if (selector.needsGate()) {
                for (int k = 0; k < count; k++) {
                    g[k] = gateAll[ids[k]];
                }
            }
            kernels.sparseFeedForward(gate[layer], up[layer], down[layer], activation, ids, count, x, xOff,
                    selector.needsGate(), g, u, out, xOff);
            long t3 = System.nanoTime();
            stats.read(count * chosenRowBytes[layer]);
            stats.time(SparsityStats.Phase.SELECT, t1 - t0);
            stats.time(SparsityStats.Phase.FFN, t3 - t1);
        }
    }

    /** Counts, against the selector's labels on the dense gate, how many truly active neurons were chosen. */
    private void recall(int layer, float[] x, int xOff, int count) {
        if (!selector.needsGate()) {
            kernels.matvec(gate[layer], x, xOff, gateAll, 0);
        }
        int labelled = 0;
        int recalled = 0;
        for (int i = 0, k = 0; i < ffn; i++) {
            while (k < count && ids[k] < i) {
                k++;
            }
            if (selector.active(layer, i, gateAll[i])) {
                labelled++;
                if (k < count && ids[k] == i) {
                    recalled++;
                }
            }
        }
        stats.countRecall(layer, recalled, labelled);
    }

    @Override
    public SparsityStats stats() {
        return stats;
    }
}
