package dev.ember.sparsity.teal;

import dev.ember.kernel.Kernels;
import dev.ember.model.Config;
import dev.ember.model.LayerWeights;
import dev.ember.model.Projections;
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
 * accumulate kernel as the sparse FFN's down projection. {@code attn:S} sets each token's threshold at the
 * magnitude below which a share S of its inputs lies (the threshold TEAL calibrates, taken per token).
 * A prefill batch runs token by token. Allocates nothing per token.
 */
public final class TealProjections implements Projections {
    private final Kernels kernels;
    private final double sparsity;
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

    /** @return the factory for {@code attn:S} on a model: the input-major copies are made once per model */
    public static Projections.Factory factory(double sparsity, Weights weights) {
        int layers = weights.config().layers();
        Tensor[][] copies = new Tensor[4][layers];
        IntStream.range(0, layers).parallel().forEach(l -> {
            LayerWeights w = weights.layer(l);
            copies[0][l] = NeuronMajor.of(w.attnQ()).tensor();
            copies[1][l] = NeuronMajor.of(w.attnK()).tensor();
            copies[2][l] = NeuronMajor.of(w.attnV()).tensor();
            copies[3][l] = NeuronMajor.of(w.attnOutput()).tensor();
        });
        return (w, kernels, maxBatch) -> new TealProjections(w, kernels, sparsity, copies);
    }

    private TealProjections(Weights weights, Kernels kernels, double sparsity, Tensor[][] copies) {
        Config c = weights.config();
        this.kernels = kernels;
        this.sparsity = sparsity;
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
    }

    @Override
    public void qkv(int layer, float[] x, int n, float[] qOut, float[] kOut, float[] vOut) {
        for (int t = 0; t < n; t++) {
            int count = choose(x, t * dim, dim);
            accumulate(q[layer], count, qOut, t * qDim, qDim);
            accumulate(k[layer], count, kOut, t * kvDim, kvDim);
            accumulate(v[layer], count, vOut, t * kvDim, kvDim);
        }
    }

    @Override
    public void output(int layer, float[] att, int n, float[] out) {
        for (int t = 0; t < n; t++) {
            int count = choose(att, t * qDim, qDim);
            accumulate(o[layer], count, out, t * dim, dim);
        }
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
        int count = 0;
        for (int i = 0; i < width; i++) {
            float xi = x[off + i];
            if (drop == 0 || Math.abs(xi) >= threshold) {
                ids[count] = i;
                a[count++] = xi;
            }
        }
        return count;
    }
}
