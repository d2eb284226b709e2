package dev.ember.sparsity;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.SegmentCache;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Dequantize;
import dev.ember.tensor.quant.Quantize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A neuron-major copy of an FFN down matrix. GGUF stores W_down as dim rows of ffn values, so neuron i is
 * a column, spread over every row: skipping it would save no memory traffic. The copy has ffn rows of dim
 * values (row i = neuron i), so an idle neuron skips one contiguous row.
 *
 * <p>The copy keeps the original's block type for floats, and for Q4_0 and Q8_0 when the new rows (dim values)
 * are whole blocks (Q4_0 stays Q4_0: the bytes per neuron are what sparsity saves, and the fused kernels
 * read it); every other type becomes Q8_0, else F32. Quantized types are re-quantized over the new rows,
 * which adds error: {@link #relativeError()} is the RMS of (copy - original) over the RMS of the original,
 * measured on the whole matrix when the copy is made.
 * Copies are cached per source tensor (weakly: they go with the model), off-heap in an automatic arena.
 */
public final class NeuronMajor {
    private static final SegmentCache<NeuronMajor> CACHE = new SegmentCache<>();
    /** Neurons transposed at a time: each original row is read 16 floats (a cache line) at a time. */
    private static final int TILE = 16;

    private final Tensor tensor;
    private final double relativeError;

    private NeuronMajor(Tensor tensor, double relativeError) {
        this.tensor = tensor;
        this.relativeError = relativeError;
    }

    /**
     * @return the neuron-major copy of {@code down} (ffn columns, dim rows), made once per tensor. Safe to call
     *         from several threads (layers are built in parallel); two racing callers may both build, one wins.
     */
    public static NeuronMajor of(Tensor down) {
        return CACHE.computeIfAbsent(down.data(), data -> build(down)); // layers build in parallel
    }

    /** @return the neuron-major copy of a matrix made for one use (not cached: its source may be temporary) */
    public static NeuronMajor uncached(Tensor matrix) {
        return build(matrix);
    }

    /** @return the copy: {@code ffn} rows of {@code dim} values */
    public Tensor tensor() {
        return tensor;
    }

    /** @return RMS(copy - original) / RMS(original), 0 when the copy is exact */
    public double relativeError() {
        return relativeError;
    }

    /** @return the block type the copy of a down matrix of {@code type} with rows of {@code dim} values uses */
    static GgmlType copyType(GgmlType type, int dim) {
        if (type == GgmlType.F32 || type == GgmlType.F16 || type == GgmlType.BF16) {
            return type; // exact in its own type
        }
        if ((type == GgmlType.Q4_0 || type == GgmlType.Q8_0) && dim % type.blockSize() == 0) {
            return type;
        }
        // K-quants and the other block types: Q8_0, nearly exact, and summed by every provider's fast
        // accumulateRows. Kept as Q4_K, a TinyLlama Q4_K decode at 0.7 took 243 ms of sparse FFN a token
        // (each row dequantized value by value), 0.22x dense.
        return dim % 32 == 0 ? GgmlType.Q8_0 : GgmlType.F32;
    }

    private static NeuronMajor build(Tensor down) {
        int ffn = Math.toIntExact(down.shape().rowLength());
        int dim = Math.toIntExact(down.rows());
        float[] original = new float[dim * ffn];
        for (int j = 0; j < dim; j++) {
            Dequantize.row(down.type(), down.data(), j * down.rowBytes(), original, j * ffn, ffn);
        }
        GgmlType type = copyType(down.type(), dim);
        MemorySegment data = Arena.ofAuto().allocate(type.byteSize((long) ffn * dim), 64);
        long rowBytes = type.byteSize(dim);
        float[] tile = new float[TILE * dim]; // TILE neurons' rows, gathered row by row of the original
        float[] back = new float[dim];
        double err = 0;
        double norm = 0;
        for (int i0 = 0; i0 < ffn; i0 += TILE) {
            int n = Math.min(TILE, ffn - i0);
            for (int j = 0; j < dim; j++) {
                for (int di = 0; di < n; di++) {
                    tile[di * dim + j] = original[j * ffn + i0 + di];
                }
            }
            for (int di = 0; di < n; di++) {
                long at = (long) (i0 + di) * rowBytes;
                Quantize.row(type, tile, di * dim, data, at, dim);
                Dequantize.row(type, data, at, back, 0, dim);
                for (int j = 0; j < dim; j++) {
                    double d = back[j] - tile[di * dim + j];
                    err += d * d;
                    norm += (double) tile[di * dim + j] * tile[di * dim + j];
                }
            }
        }
        Tensor copy = new Tensor(down.name() + ".neuron_major", type, new Shape(new long[] {dim, ffn}), data);
        return new NeuronMajor(copy, norm == 0 ? 0 : Math.sqrt(err / norm));
    }
}
