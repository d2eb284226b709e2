package dev.ember.sparsity.teal;

import dev.ember.kernel.Kernels;
import dev.ember.model.Config;
import dev.ember.model.LayerWeights;
import dev.ember.model.Projections;
import dev.ember.model.SparsityStats;
import dev.ember.model.Weights;
import dev.ember.sparsity.NeuronMajor;
import dev.ember.sparsity.Quickselect;
import dev.ember.tensor.Tensor;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Attention-side input sparsity, as TEAL does it: per token, the inputs of the q/k/v projections (the normed
 * hidden state) and of the output projection (the attention output) whose magnitude falls below the layer's
 * threshold are taken as zero, so the weights they would multiply are not read. The projections then run over
 * input-major copies of W_q, W_k, W_v and W_o (row i = input channel i, {@link NeuronMajor}) with the same
 * accumulate kernel as the sparse FFN's down projection. {@code attn:PROFILE} uses the per-layer thresholds
 * TEAL calibrates offline ({@link TealThresholds}: {@code ember calibrate --method teal}); {@code attn:S} sets
 * each token's threshold at the magnitude below which a share S of its inputs lies. A prefill batch runs token
 * by token. Allocates nothing per token.
 */
public final class TealProjections implements Projections {
    private final Kernels kernels;
    private final double sparsity;  // attn:S, the share each token skips; or
    private final float[] inTau;    // (layers) calibrated thresholds on the q/k/v inputs, and
    private final float[] outTau;   // (layers) on the output projection's inputs; null for attn:S
    private final Tensor[] q;   // (layers) dim rows of qDim
    private final Tensor[] k;   // (layers) dim rows of kvDim
    private final Tensor[] v;   // (layers) dim rows of kvDim
    private final Tensor[] o;   // (layers) qDim rows of dim
    private final int dim;
    private final int qDim;
    private final int kvDim;
    private final int[] ids;
    private final float[] a;
    private final float[] magnitude;
    private final SparsityStats stats;
    private final long[] qkvRowBytes; // (layers) weight bytes behind one q/k/v input: its rows of W_q, W_k, W_v
    private final long[] oRowBytes;   // (layers) behind one input of W_o

    /** @return the factory for {@code attn:S} on a model: the input-major copies are made once per model */
    public static Projections.Factory factory(double sparsity, Weights weights) {
        Tensor[][] copies = copies(weights);
        return (w, kernels, maxBatch) -> new TealProjections(w, kernels, sparsity, null, null, copies);
    }

    /**
     * @param inTau  per layer, the magnitude the q/k/v inputs must reach (0: every input)
     * @param outTau per layer, the magnitude the output projection's inputs must reach
     * @return the factory for {@code attn:PROFILE}: calibrated per-layer thresholds
     */
    public static Projections.Factory calibrated(float[] inTau, float[] outTau, Weights weights) {
        Tensor[][] copies = copies(weights);
        return (w, kernels, maxBatch) -> new TealProjections(w, kernels, Double.NaN, inTau, outTau, copies);
    }

    private static Tensor[][] copies(Weights weights) {
        int layers = weights.config().layers();
        Tensor[][] copies = new Tensor[4][layers];
        IntStream.range(0, layers).parallel().forEach(l -> {
            LayerWeights w = weights.layer(l);
            copies[0][l] = NeuronMajor.of(w.attnQ()).tensor();
            copies[1][l] = NeuronMajor.of(w.attnK()).tensor();
            copies[2][l] = NeuronMajor.of(w.attnV()).tensor();
            copies[3][l] = NeuronMajor.of(w.attnOutput()).tensor();
        });
        return copies;
    }

    private TealProjections(Weights weights, Kernels kernels, double sparsity, float[] inTau, float[] outTau,
                            Tensor[][] copies) {
        Config c = weights.config();
        this.kernels = kernels;
        this.sparsity = sparsity;
        this.inTau = inTau;
        this.outTau = outTau;
        this.q = copies[0];
        this.k = copies[1];
        this.v = copies[2];
        this.o = copies[3];
        this.dim = c.dim();
        this.qDim = c.qDim();
        this.kvDim = c.kvDim();
        int widest = Math.max(dim, qDim);
        this.ids = new int[widest];
        this.a = new float[widest];
        this.magnitude = new float[widest];
        int layers = c.layers();
        this.stats = new SparsityStats(layers);
        this.qkvRowBytes = new long[layers];
        this.oRowBytes = new long[layers];
        for (int l = 0; l < layers; l++) {
            qkvRowBytes[l] = q[l].rowBytes() + k[l].rowBytes() + v[l].rowBytes();
            oRowBytes[l] = o[l].rowBytes();
        }
    }

    @Override
    public void qkv(int layer, float[] x, int n, float[] qOut, float[] kOut, float[] vOut) {
        for (int t = 0; t < n; t++) {
            int count = inTau == null ? choose(x, t * dim, dim) : keep(x, t * dim, dim, inTau[layer]);
            accumulate(q[layer], count, qOut, t * qDim, qDim);
            accumulate(k[layer], count, kOut, t * kvDim, kvDim);
            accumulate(v[layer], count, vOut, t * kvDim, kvDim);
            stats.readAttention(count * qkvRowBytes[layer], dim * qkvRowBytes[layer]);
        }
    }

    @Override
    public void output(int layer, float[] att, int n, float[] out) {
        for (int t = 0; t < n; t++) {
            int count = outTau == null ? choose(att, t * qDim, qDim) : keep(att, t * qDim, qDim, outTau[layer]);
            accumulate(o[layer], count, out, t * dim, dim);
            stats.readAttention(count * oRowBytes[layer], qDim * oRowBytes[layer]);
        }
    }

    @Override
    public SparsityStats stats() {
        return stats;
    }

    private void accumulate(Tensor w, int count, float[] y, int yOff, int width) {
        Arrays.fill(y, yOff, yOff + width, 0f);
        kernels.accumulateRows(w, ids, a, count, y, yOff);
    }

    /**
     * Keeps the inputs of x[off .. off+width) whose magnitude reaches the token's threshold: the value below which
     * a share S of them lies. @return how many, their ids (ascending) and values in ids and a
     */
    private int choose(float[] x, int off, int width) {
        int drop = (int) Math.floor(sparsity * width);
        float threshold = 0f;
        if (drop > 0) {
            for (int i = 0; i < width; i++) {
                magnitude[i] = Math.abs(x[off + i]);
            }
            threshold = Quickselect.kthSmallest(magnitude, width, drop); // the drop-th smallest magnitude: kept from there up
        }
        return keep(x, off, width, drop == 0 ? 0f : threshold);
    }

    /** Keeps the inputs whose magnitude reaches {@code threshold}. @return how many, their ids and values */
    private int keep(float[] x, int off, int width, float threshold) {
        int count = 0;
        for (int i = 0; i < width; i++) {
            float xi = x[off + i];
            if (Math.abs(xi) >= threshold) {
                ids[count] = i;
                a[count++] = xi;
            }
        }
        return count;
    }
}
