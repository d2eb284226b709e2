package dev.ember.sparsity.coreinfer;

import dev.ember.kernel.Activation;
import dev.ember.kernel.Kernels;
import dev.ember.model.FeedForward;
import dev.ember.model.LayerWeights;
import dev.ember.model.SparsityStats;
import dev.ember.model.Weights;
import dev.ember.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * CoreInfer's sentence-level core neurons (stability-guided mode): the prompt runs dense while each token's
 * top-alpha share of positive activations act(gate) is counted per neuron; at the first decoded token the
 * neurons that were core for at least a beta share of the prompt's tokens become the layer's core set, and
 * decode runs a dense FFN over <em>compacted</em> matrices holding only those rows (gate and up rows, and
 * neuron-major W_down rows, copied once per prompt). A new prompt (a batch of more than one token) starts
 * counting afresh. Single-token prompts have no sentence to learn from: they stay dense.
 */
public final class CoreInferFeedForward implements FeedForward {
    private final Weights weights;
    private final Kernels kernels;
    private final Activation activation;
    private final double alpha;
    private final double beta;
    private final int cap;
    private final Tensor[] downNeuronMajor;
    private final int dim;
    private final int ffn;
    private final int[][] counts;
    private final int[] promptTokens; // per layer
    private final int[] scratchIdx;
    private final float[] scratchVal;
    private final float[] gate;
    private final float[] up;
    private final float[] act;
    private final Tensor[][] compact; // per layer: gate, up, down (neuron-major); empty = no core; null = dense
    private final int[][] identity;
    private final int[] coreSize;
    private boolean counting;
    private final SparsityStats stats;

    public CoreInferFeedForward(Weights weights, Kernels kernels, int maxBatch, double alpha, double beta, int cap,
                         Tensor[] downNeuronMajor) {
        this.weights = weights;
        this.kernels = kernels;
        this.activation = weights.config().activation();
        this.alpha = alpha;
        this.beta = beta;
        this.cap = cap;
        this.downNeuronMajor = downNeuronMajor;
        this.dim = weights.config().dim();
        this.ffn = weights.config().ffnDim();
        int layers = weights.config().layers();
        this.counts = new int[layers][ffn];
        this.promptTokens = new int[layers];
        this.scratchIdx = new int[ffn];
        this.scratchVal = new float[ffn];
        this.gate = new float[maxBatch * ffn];
        this.up = new float[maxBatch * ffn];
        this.act = new float[ffn];
        this.compact = new Tensor[layers][];
        this.identity = new int[layers][];
        this.coreSize = new int[layers];
        this.stats = new SparsityStats(layers);
    }

    @Override
    public void apply(int layer, float[] x, int batch, float[] out) {
        LayerWeights w = weights.layer(layer);
        if (batch > 1) {
            if (!counting) { // a new prompt
                counting = true;
                for (int l = 0; l < counts.length; l++) {
                    Arrays.fill(counts[l], 0);
                    promptTokens[l] = 0;
                    compact[l] = null;
                }
            }
            dense(w, x, batch, out, true, layer);
            return;
        }
        if (counting && promptTokens[layer] > 0 && compact[layer] == null) {
            build(layer, w);
        }
        if (layer == counts.length - 1) {
            counting = false;
        }
        Tensor[] c = compact[layer];
        if (c == null) {
            dense(w, x, 1, out, false, layer);
            stats.count(layer, ffn, ffn);
            return;
        }
        int n = coreSize[layer];
        stats.count(layer, n, ffn);
        if (n == 0) { // no neuron was core often enough: the layer's FFN adds nothing (lower beta to keep some)
            Arrays.fill(out, 0, dim, 0f);
            return;
        }
        kernels.matvec(c[0], x, 0, gate, 0);
        kernels.matvec(c[1], x, 0, up, 0);
        kernels.gatedActivation(activation, gate, up, 0, n);
        Arrays.fill(out, 0, dim, 0f);
        kernels.accumulateRows(c[2], identity[layer], gate, n, out, 0);
    }

    private void dense(LayerWeights w, float[] x, int batch, float[] out, boolean count, int layer) {
        if (batch == 1) {
            kernels.matvec(w.ffnGate(), x, 0, gate, 0);
            kernels.matvec(w.ffnUp(), x, 0, up, 0);
        } else {
            kernels.matmul(w.ffnGate(), x, batch, gate);
            kernels.matmul(w.ffnUp(), x, batch, up);
        }
        if (count) {
            for (int t = 0; t < batch; t++) {
                for (int i = 0; i < ffn; i++) {
                    act[i] = activation.apply(gate[t * ffn + i]);
                }
                CoreNeurons.countToken(act, 0, ffn, alpha, counts[layer], scratchIdx, scratchVal);
            }
            promptTokens[layer] += batch;
        }
        kernels.gatedActivation(activation, gate, up, 0, batch * ffn);
        if (batch == 1) {
            kernels.matvec(w.ffnDown(), gate, 0, out, 0);
        } else {
            kernels.matmul(w.ffnDown(), gate, batch, out);
        }
    }

    /** Gathers the core rows of gate, up and neuron-major down into this session's compact copies. */
    private void build(int layer, LayerWeights w) {
        int[] core = CoreNeurons.fromCounts(counts[layer], promptTokens[layer], beta, cap);
        coreSize[layer] = core.length;
        if (core.length == 0) {
            compact[layer] = new Tensor[0];
            return;
        }
        compact[layer] = new Tensor[] {gather(w.ffnGate(), core), gather(w.ffnUp(), core),
                gather(downNeuronMajor[layer], core)};
        int[] ids = new int[core.length];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = k;
        }
        identity[layer] = ids;
    }

    private static Tensor gather(Tensor t, int[] rows) {
        long rowBytes = t.rowBytes();
        MemorySegment data = Arena.ofAuto().allocate(rowBytes * rows.length, 64);
        for (int k = 0; k < rows.length; k++) {
            MemorySegment.copy(t.data(), rows[k] * rowBytes, data, k * rowBytes, rowBytes);
        }
        return new Tensor(t.name() + ".core", t.type(), new dev.ember.tensor.Shape(t.shape().rowLength(), rows.length), data);
    }

    @Override
    public SparsityStats stats() {
        return stats;
    }
}
