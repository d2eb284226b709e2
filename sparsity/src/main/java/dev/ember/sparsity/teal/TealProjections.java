package dev.ember.sparsity.teal;

import dev.ember.gguf.GgufFile;
import dev.ember.kernel.Kernels;
import dev.ember.model.Config;
import dev.ember.model.LayerWeights;
import dev.ember.model.Projections;
import dev.ember.model.SparsityStats;
import dev.ember.model.Weights;
import dev.ember.sparsity.NeuronMajor;
import dev.ember.sparsity.Quickselect;
import dev.ember.sparsity.SparseReadyFile;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
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
    private final Tensor[] qkv; // (layers) dim rows of qDim + 2 kvDim, or null where the three are apart:
    private final Tensor[] q;   // (layers) dim rows of qDim
    private final Tensor[] k;   // (layers) dim rows of kvDim
    private final Tensor[] v;   // (layers) dim rows of kvDim
    private final Tensor[] o;   // (layers) qDim rows of dim
    private final float[] fused; // one token's q, k and v from the fused copy
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
    public static Projections.Factory factory(double sparsity, Weights weights, GgufFile model) {
        Tensor[][] copies = copies(weights, model);
        return (w, kernels, maxBatch) -> new TealProjections(w, kernels, sparsity, null, null, copies);
    }

    /**
     * @param inTau  per layer, the magnitude the q/k/v inputs must reach (0: every input)
     * @param outTau per layer, the magnitude the output projection's inputs must reach
     * @return the factory for {@code attn:PROFILE}: calibrated per-layer thresholds
     */
    public static Projections.Factory calibrated(float[] inTau, float[] outTau, Weights weights, GgufFile model) {
        Tensor[][] copies = copies(weights, model);
        return (w, kernels, maxBatch) -> new TealProjections(w, kernels, Double.NaN, inTau, outTau, copies);
    }

    /** Input-major copies per model: {W_q|W_k|W_v fused (or null), W_q, W_k, W_v, W_o} per layer. */
    private static final Map<Weights, Tensor[][]> COPIES = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Where W_q, W_k and W_v share a block type, one input-major copy of the three side by side: an input channel
     * is then one row of qDim + 2 kvDim values (one stream, one kernel call for the three, and wide enough for
     * every thread to take a share; W_k and W_v alone are often one group of 256 outputs, which one thread sums
     * while the others wait). A sparse-ready file that stores them ({@code ember sparsify --attention}) is used
     * as it is.
     *
     * @param model the model's file, or null to make the copies
     * @return per layer {W_q|W_k|W_v (or null), W_q, W_k, W_v (or null), W_o}, input-major
     */
    public static Tensor[][] copies(Weights weights, GgufFile model) {
        return COPIES.computeIfAbsent(weights, ws -> {
            int layers = ws.config().layers();
            Tensor[][] copies = new Tensor[5][layers];
            if (model != null && stored(model, layers, copies)) {
                return copies;
            }
            IntStream.range(0, layers).parallel().forEach(l -> {
                LayerWeights w = ws.layer(l);
                if (w.attnQ().type() == w.attnK().type() && w.attnK().type() == w.attnV().type()) {
                    copies[0][l] = NeuronMajor.uncached(stacked(w.attnQ(), w.attnK(), w.attnV())).tensor();
                } else {
                    copies[1][l] = NeuronMajor.of(w.attnQ()).tensor();
                    copies[2][l] = NeuronMajor.of(w.attnK()).tensor();
                    copies[3][l] = NeuronMajor.of(w.attnV()).tensor();
                }
                copies[4][l] = NeuronMajor.of(w.attnOutput()).tensor();
            });
            return copies;
        });
    }

    /** Fills {@code copies} from a sparse-ready file's tensors. @return whether it holds them for every layer */
    private static boolean stored(GgufFile model, int layers, Tensor[][] copies) {
        for (int l = 0; l < layers; l++) {
            copies[0][l] = model.findTensor(SparseReadyFile.attentionQkv(l));
            for (int k = 0; k < 3 && copies[0][l] == null; k++) {
                copies[k + 1][l] = model.findTensor(SparseReadyFile.attention("qkv".substring(k, k + 1), l));
                if (copies[k + 1][l] == null) {
                    return false;
                }
            }
            copies[4][l] = model.findTensor(SparseReadyFile.attention("output", l));
            if (copies[4][l] == null) {
                return false;
            }
        }
        return true;
    }

    /** @return the rows of a, b and c (one type, one row length) as one matrix */
    private static Tensor stacked(Tensor a, Tensor b, Tensor c) {
        long bytes = a.data().byteSize() + b.data().byteSize() + c.data().byteSize();
        MemorySegment data = Arena.ofAuto().allocate(bytes, 64);
        MemorySegment.copy(a.data(), 0, data, 0, a.data().byteSize());
        MemorySegment.copy(b.data(), 0, data, a.data().byteSize(), b.data().byteSize());
        MemorySegment.copy(c.data(), 0, data, a.data().byteSize() + b.data().byteSize(), c.data().byteSize());
        return new Tensor(a.name() + "+k+v", a.type(), new Shape(a.shape().rowLength(), a.rows() + b.rows() + c.rows()),
                data);
    }

    private TealProjections(Weights weights, Kernels kernels, double sparsity, float[] inTau, float[] outTau,
                            Tensor[][] copies) {
        Config c = weights.config();
        this.kernels = kernels;
        this.sparsity = sparsity;
        this.inTau = inTau;
        this.outTau = outTau;
        this.qkv = copies[0];
        this.q = copies[1];
        this.k = copies[2];
        this.v = copies[3];
        this.o = copies[4];
        this.dim = c.dim();
        this.qDim = c.qDim();
        this.kvDim = c.kvDim();
        int widest = Math.max(dim, qDim);
        this.ids = new int[widest];
        this.a = new float[widest];
        this.magnitude = new float[widest];
        this.fused = new float[qDim + 2 * kvDim];
        int layers = c.layers();
        this.stats = new SparsityStats(layers);
        this.qkvRowBytes = new long[layers];
        this.oRowBytes = new long[layers];
        for (int l = 0; l < layers; l++) {
            qkvRowBytes[l] = qkv[l] != null ? qkv[l].rowBytes() : q[l].rowBytes() + k[l].rowBytes() + v[l].rowBytes();
            oRowBytes[l] = o[l].rowBytes();
        }
    }

    @Override
    public void qkv(int layer, float[] x, int n, float[] qOut, float[] kOut, float[] vOut) {
        for (int t = 0; t < n; t++) {
            int count = inTau == null ? choose(x, t * dim, dim) : keep(x, t * dim, dim, inTau[layer]);
            if (qkv[layer] != null) {
                accumulate(qkv[layer], count, fused, 0, fused.length);
                System.arraycopy(fused, 0, qOut, t * qDim, qDim);
                System.arraycopy(fused, qDim, kOut, t * kvDim, kvDim);
                System.arraycopy(fused, qDim + kvDim, vOut, t * kvDim, kvDim);
            } else {
                accumulate(q[layer], count, qOut, t * qDim, qDim);
                accumulate(k[layer], count, kOut, t * kvDim, kvDim);
                accumulate(v[layer], count, vOut, t * kvDim, kvDim);
            }
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
