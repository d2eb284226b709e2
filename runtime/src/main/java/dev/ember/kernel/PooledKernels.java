package dev.ember.kernel;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Dequantize;
import dev.ember.tensor.quant.RowDequantizer;

import java.lang.foreign.MemorySegment;

/**
 * What every provider's {@link Kernels} share: a {@link WorkerPool} to split work over, the argument checks of
 * the three matrix products and their reduction to one {@link #multiply}, an {@link ActivationQuantizer}
 * for its converted activations, {@link #accumulateRows} (decoded rows added column-block by column-block,
 * the adding in {@link #axpy}), and the rule for when an op is worth waking the workers. Subclasses supply
 * the arithmetic (and the float ops).
 */
public abstract class PooledKernels implements Kernels {
    /** Below this many multiply-adds an op runs on the calling thread: waking workers would cost more. */
    protected static final long MIN_PARALLEL_WORK = 1 << 15;

    /** The threads to split work over; shared, not owned (closing it is the caller's job). */
    protected final WorkerPool pool;
    /** Scratch of the converted activations; like every scratch here, this instance's alone. */
    protected final ActivationQuantizer activations = new ActivationQuantizer();
    private final AccumulateTask accumulateTask = new AccumulateTask();

    protected PooledKernels(WorkerPool pool) {
        this.pool = pool;
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public final void matvec(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        int rows = Checks.rows(w);
        int cols = Checks.cols(w);
        Checks.range("x", x, xOff, cols);
        Checks.range("y", y, yOff, rows);
        multiply(w, x, xOff, 1, y, yOff, null, rows);
    }

    @Override
    public final void matmul(Tensor w, float[] x, int batch, float[] y) {
        int rows = Checks.rows(w);
        int cols = Checks.cols(w);
        Checks.range("x", x, 0, Math.multiplyExact(batch, cols));
        Checks.range("y", y, 0, Math.multiplyExact(batch, rows));
        multiply(w, x, 0, batch, y, 0, null, rows);
    }

    @Override
    public final void matvecRows(Tensor w, int[] rows, int count, float[] x, int xOff, float[] y) {
        int cols = Checks.cols(w);
        Checks.range("x", x, xOff, cols);
        Checks.range("y", y, 0, count);
        Checks.rowIds(w, rows, count);
        multiply(w, x, xOff, 1, y, 0, rows, count);
    }

    /**
     * The three products in one, arguments already checked: {@code y[yOff + b*count + i] = dot(row ids[i] (or
     * i), x[xOff + b*cols ..])} for {@code batch} vectors; with {@code ids} (matvecRows) batch is 1.
     */
    protected abstract void multiply(Tensor w, float[] x, int xOff, int batch, float[] y, int yOff, int[] ids,
                                     int count);

    /** Runs {@code task} over {@code [0, n)}: on the calling thread when {@code work} is too small to share. */
    protected final void parallel(WorkerPool.RangeTask task, int n, long work) {
        if (n == 0) {
            return;
        }
        if (work < MIN_PARALLEL_WORK) {
            task.run(0, n);
        } else {
            pool.run(task, n);
        }
    }

    @Override
    public void accumulateRows(Tensor w, int[] rows, float[] a, int count, float[] y, int yOff) {
        int cols = Checks.accumulateRows(w, rows, a, count, y, yOff);
        AccumulateTask t = accumulateTask;
        t.decode = Dequantize.of(w.type());
        t.type = w.type();
        t.weights = w.data();
        t.rowBytes = w.rowBytes();
        t.ids = rows;
        t.a = a;
        t.count = count;
        t.y = y;
        t.yOff = yOff;
        t.row = t.row != null && t.row.length >= cols ? t.row : new float[cols];
        parallel(t, cols / w.type().blockSize(), (long) count * cols);
        t.clear();
    }

    /**
     * {@code y[yOff + j] += a * x[xOff + j]} for {@code j < n}: {@link #accumulateRows}' inner loop. This is the
     * reference's (a multiply and an add, two roundings); a provider may fuse them.
     */
    protected void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int j = 0; j < n; j++) {
            y[yOff + j] += a * x[xOff + j];
        }
    }

    /** y[j] += sum_i a[i] * w[ids[i]][j] over the columns of whole blocks [from, to). */
    private final class AccumulateTask implements WorkerPool.RangeTask {
        RowDequantizer decode;
        GgmlType type;
        MemorySegment weights;
        long rowBytes;
        int[] ids;
        float[] a;
        int count;
        float[] y;
        int yOff;
        float[] row; // (cols) one decoded row; each chunk writes only its own columns

        @Override
        public void run(int from, int to) {
            int c0 = from * type.blockSize();
            int c1 = to * type.blockSize();
            long byteOff = (long) from * type.bytesPerBlock();
            for (int i = 0; i < count; i++) {
                decode.dequantizeRow(weights, ids[i] * rowBytes + byteOff, row, c0, c1 - c0);
                axpy(a[i], row, c0, y, yOff + c0, c1 - c0);
            }
        }

        void clear() {
            weights = null;
            ids = null;
            a = null;
            y = null;
        }
    }

    /**
     * The reference of the scaled, softcapped attention (gemma2), which every provider shares: heads in parallel,
     * each as {@link FloatOps#attendHead}. Nothing is allocated once the scratch has grown to the context.
     */
    @Override
    public void attention(float[] q, int qOff, float[] keys, float[] values, int cacheOff, int kvDim, int heads,
                          int kvHeads, int headSize, int positions, float scale, float softcap, float[] out,
                          int outOff) {
        Checks.attention(q, qOff, keys, values, cacheOff, kvDim, heads, kvHeads, headSize, positions, out, outOff);
        AttentionTask t = attentionTask;
        t.grow(heads * positions, heads * headSize);
        t.q = q;
        t.qOff = qOff;
        t.keys = keys;
        t.values = values;
        t.cacheOff = cacheOff;
        t.kvDim = kvDim;
        t.group = heads / kvHeads;
        t.headSize = headSize;
        t.positions = positions;
        t.scale = scale;
        t.softcap = softcap;
        t.out = out;
        t.outOff = outOff;
        parallel(t, heads, 2L * heads * positions * headSize);
        t.clear();
    }

    private final AttentionTask attentionTask = new AttentionTask();

    /** One query position's heads over the cache, split by head; scratch grows geometrically and is reused. */
    private static final class AttentionTask implements WorkerPool.RangeTask {
        float[] q;
        int qOff;
        float[] keys;
        float[] values;
        int cacheOff;
        int kvDim;
        int group;
        int headSize;
        int positions;
        float scale;
        float softcap;
        float[] out;
        int outOff;
        float[] scores = new float[0];  // (heads, positions)
        double[] sums = new double[0];  // (heads, headSize)

        void grow(int scoreCount, int sumCount) {
            // geometric growth: a long generation reallocates O(log positions) times, not once per token
            if (scores.length < scoreCount) {
                scores = new float[Math.max(scoreCount, 2 * scores.length)];
            }
            if (sums.length < sumCount) {
                sums = new double[Math.max(sumCount, 2 * sums.length)];
            }
        }

        @Override
        public void run(int from, int to) {
            for (int h = from; h < to; h++) {
                FloatOps.attendHead(q, qOff + h * headSize, keys, values, cacheOff + h / group * headSize, kvDim,
                        headSize, positions, scale, softcap, scores, h * positions, sums, h * headSize, out,
                        outOff + h * headSize);
            }
        }

        void clear() {
            q = null;
            keys = null;
            values = null;
            out = null;
        }
    }
}
