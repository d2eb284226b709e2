package dev.ember.sparsity;

import dev.ember.model.Weights;
import dev.ember.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;

/**
 * The FFN matrices a sparse pass reads, per layer, and the order their neurons are stored in: W_gate and W_up
 * (row i = neuron i) and the neuron-major W_down ({@link NeuronMajor}). In the natural layout neuron i sits at
 * position i. In a frequency layout (PowerInfer's observation: a minority of neurons carries most
 * activations) position j holds neuron {@code order[j]}, hottest first, so the neurons a token chooses
 * cluster at the front of the layer and its reads come close to sequential. The FFN's output is a sum over
 * neurons, so the order changes no output beyond the sum's rounding; selectors work in positions (their
 * per-neuron data permuted with {@link #permute}).
 *
 * @param gate  per layer, W_gate in storage order
 * @param up    per layer, W_up in storage order
 * @param down  per layer, neuron-major W_down in storage order
 * @param order   per layer, the neuron at each position; null for the natural layout
 * @param kernelLayout the name of a kernel provider's own layout stored with these matrices
 *                ({@link dev.ember.kernel.Kernels#sparseLayout}), or null
 * @param stored  per layer, that layout's bytes (a sparse-ready file's tensors), or null
 */
public record NeuronLayout(Tensor[] gate, Tensor[] up, Tensor[] down, int[][] order, String kernelLayout,
                           Tensor[] stored) {
    /** A layout with no stored kernel layout. */
    public NeuronLayout(Tensor[] gate, Tensor[] up, Tensor[] down, int[][] order) {
        this(gate, up, down, order, null, null);
    }

    /** @return neuron i at position i: the model's own gate and up, and the cached neuron-major down copies */
    public static NeuronLayout natural(Weights weights) {
        int layers = weights.config().layers();
        Tensor[] gate = new Tensor[layers];
        Tensor[] up = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            gate[l] = weights.layer(l).ffnGate();
            up[l] = weights.layer(l).ffnUp();
        }
        Tensor[] down = new Tensor[layers];
        // layers in parallel: a model's first sparse session builds them all (seconds, on a 1B model)
        IntStream.range(0, layers).parallel().forEach(l -> down[l] = NeuronMajor.of(weights.layer(l).ffnDown()).tensor());
        return new NeuronLayout(gate, up, down, null);
    }

    /**
     * @param order per layer, the neuron at each position (a permutation of the FFN's neurons; see
     *              {@link #checkOrder})
     * @return the natural layout's rows copied into {@code order}'s positions (off-heap, for the model's life)
     */
    public NeuronLayout reordered(int[][] order) {
        int layers = gate.length;
        Tensor[] g = new Tensor[layers];
        Tensor[] u = new Tensor[layers];
        Tensor[] d = new Tensor[layers];
        IntStream.range(0, layers).parallel().forEach(l -> {
            g[l] = rows(gate[l], order[l]);
            u[l] = rows(up[l], order[l]);
            d[l] = rows(down[l], order[l]);
        });
        return new NeuronLayout(g, u, d, order);
    }

    /** @return {@code values} (one per neuron) in storage order: position j gets {@code values[order[j]]} */
    public static float[] permute(float[] values, int[] order) {
        float[] out = new float[values.length];
        for (int j = 0; j < order.length; j++) {
            out[j] = values[order[j]];
        }
        return out;
    }

    /** @return each row of a row-major rows x neurons matrix {@link #permute permuted} */
    public static float[] permuteColumns(float[] m, int rows, int[] order) {
        int n = order.length;
        float[] out = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                out[r * n + j] = m[r * n + order[j]];
            }
        }
        return out;
    }

    /**
     * @return order, checked to be a permutation of 0 .. neurons-1
     * @throws IllegalArgumentException naming {@code what} and the first offending entry
     */
    public static int[] checkOrder(int[] order, int neurons, String what) {
        if (order.length != neurons) {
            throw new IllegalArgumentException(what + " has " + order.length + " entries, the FFN has " + neurons
                    + " neurons");
        }
        boolean[] seen = new boolean[neurons];
        for (int j = 0; j < neurons; j++) {
            int i = order[j];
            if (i < 0 || i >= neurons || seen[i]) {
                throw new IllegalArgumentException(what + " is not a permutation of the FFN's neurons: position " + j
                        + " holds " + (i < 0 || i >= neurons ? "neuron " + i + ", out of range" : "neuron " + i
                        + " again"));
            }
            seen[i] = true;
        }
        return order;
    }

    private static Tensor rows(Tensor t, int[] order) {
        long rowBytes = t.rowBytes();
        MemorySegment data = Arena.ofAuto().allocate(rowBytes * order.length, 64);
        for (int j = 0; j < order.length; j++) {
            MemorySegment.copy(t.data(), order[j] * rowBytes, data, j * rowBytes, rowBytes);
        }
        return new Tensor(t.name() + ".by_frequency", t.type(), t.shape(), data);
    }
}
