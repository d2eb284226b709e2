package dev.ember.bench.kernels;

import dev.ember.EmberException;
import dev.ember.kernel.KernelSelection;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Quantize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What a kernel benchmark needs: the kernels of one provider on a worker pool, and an off-heap weight matrix
 * of a type and shape filled with random values. Closed at the end of a trial.
 *
 * <pre>
 * KernelFixture f = KernelFixture.open("simd", 1, "Q4_0", "11008x4096");
 * f.kernels().matvec(f.weight(), x, 0, y, 0);
 * </pre>
 */
final class KernelFixture implements AutoCloseable {
    /** Distinct random rows, tiled over the matrix: speed does not depend on values, and quantizing
     *  11008 K-quant rows one by one would take longer than the benchmark itself. */
    private static final int DISTINCT_ROWS = 64;

    private final Arena arena;
    private final WorkerPool pool;
    private final Kernels kernels;
    private final Tensor weight;

    private KernelFixture(Arena arena, WorkerPool pool, Kernels kernels, Tensor weight) {
        this.arena = arena;
        this.pool = pool;
        this.kernels = kernels;
        this.weight = weight;
    }

    /**
     * @param provider kernels by name; one that is missing or cannot run here fails this trial only, with
     *                 the reason (JMH then goes on with the next parameters)
     * @param shape    {@code ROWSxCOLS}: 11008x4096 is a 7B model's gate/up projection
     */
    static KernelFixture open(String provider, int threads, String type, String shape) {
        KernelSelection.Selection selection;
        try {
            selection = KernelSelection.select(provider);
        } catch (EmberException e) {
            throw new IllegalStateException("skipping provider '" + provider + "': " + e.getMessage(), e);
        }
        String[] dims = shape.toLowerCase(Locale.ROOT).split("x");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        GgmlType t = GgmlType.valueOf(type);
        Arena arena = Arena.ofShared();
        long rowBytes = t.byteSize(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        SplittableRandom rng = new SplittableRandom(42);
        float[] row = new float[cols];
        for (int r = 0; r < Math.min(rows, DISTINCT_ROWS); r++) {
            for (int i = 0; i < cols; i++) {
                row[i] = (float) rng.nextGaussian() / (float) Math.sqrt(cols);
            }
            Quantize.row(t, row, 0, data, r * rowBytes, cols);
        }
        for (int r = DISTINCT_ROWS; r < rows; r++) {
            MemorySegment.copy(data, (r % DISTINCT_ROWS) * rowBytes, data, r * rowBytes, rowBytes);
        }
        WorkerPool pool = new WorkerPool(threads);
        Tensor weight = new Tensor("bench." + type + "." + shape, t, new Shape(cols, rows), data);
        return new KernelFixture(arena, pool, selection.provider().create(pool), weight);
    }

    /** @return random activations: {@code batch} vectors of the matrix's row length */
    float[] activations(int batch) {
        SplittableRandom rng = new SplittableRandom(7);
        float[] x = new float[batch * (int) weight.shape().rowLength()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    Kernels kernels() {
        return kernels;
    }

    Tensor weight() {
        return weight;
    }

    /** @return bytes of weights one pass over the matrix reads */
    long weightBytes() {
        return weight.data().byteSize();
    }

    @Override
    public void close() {
        pool.close();
        arena.close();
    }
}
