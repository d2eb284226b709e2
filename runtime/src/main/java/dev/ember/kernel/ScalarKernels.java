package dev.ember.kernel;

import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.RowDot;

import java.lang.foreign.MemorySegment;

/**
 * The reference implementation of {@link Kernels}: plain Java, numerically what llama.cpp's CPU backend
 * computes in its generic (non-SIMD) code, and the oracle the SIMD and native kernels are tested against.
 * The block math lives in the format classes of {@code dev.ember.tensor.quant} ({@code Q4_0.dot} etc.);
 * this class converts activations ({@link ActivationQuantizer}), splits rows over the {@link WorkerPool} and
 * holds the float ops ({@link FloatOps}).
 *
 * <p>Each parallel op has a preallocated task object whose fields carry the call's arguments, so a warm
 * call allocates nothing. Results do not depend on the number of threads: a row (or head, or column) is
 * always computed by one thread in one order.
 */
public final class ScalarKernels extends PooledKernels {
    private final RowsTask rowsTask = new RowsTask();

    /** @param pool the threads to split work over; shared, not owned (closing it is the caller's job) */
    public ScalarKernels(WorkerPool pool) {
        super(pool);
    }

    @Override
    public String name() {
        return "scalar";
    }

    /** Converts x once, then dots every (listed) row with every one of the batch's vectors. */
    @Override
    protected void multiply(Tensor w, float[] x, int xOff, int batch, float[] y, int yOff, int[] ids, int count) {
        ActivationQuantizer.Pairing p = ActivationQuantizer.pairing(w.type());
        int cols = Checks.cols(w);
        RowsTask t = rowsTask;
        t.dot = p.dot();
        t.weights = w.data();
        t.rowBytes = w.rowBytes();
        t.act = activations.quantize(p, x, xOff, cols, batch);
        t.actBytes = p.activationBytes(cols);
        t.cols = cols;
        t.batch = batch;
        t.ids = ids;
        t.y = y;
        t.yOff = yOff;
        t.yStride = ids == null ? count : 0;
        parallel(t, count, (long) count * cols * batch);
        t.clear();
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        Checks.rmsnorm(out, outOff, x, xOff, weight, n);
        FloatOps.rmsnorm(out, outOff, x, xOff, weight, n, eps);
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        Checks.range("x", x, off, n);
        FloatOps.softmax(x, off, n);
    }

    @Override
    public void rope(float[] x, int off, int heads, int headSize, int ropeDim, float[] cos, float[] sin,
                     int tableOff, boolean neox) {
        Checks.rope(x, off, heads, headSize, ropeDim, cos, sin, tableOff);
        FloatOps.rope(x, off, heads, headSize, ropeDim, cos, sin, tableOff, neox);
    }

    @Override
    public void gatedActivation(Activation act, float[] gate, float[] up, int off, int n) {
        Checks.gated(gate, up, off, n);
        FloatOps.gated(act, gate, up, off, n);
    }

    @Override
    public void attention(float[] q, int qOff, float[] keys, float[] values, int cacheOff, int kvDim, int heads,
                          int kvHeads, int headSize, int positions, float[] out, int outOff) {
        attention(q, qOff, keys, values, cacheOff, kvDim, heads, kvHeads, headSize, positions,
                1f / (float) Math.sqrt(headSize), 0f, out, outOff);
    }

    /** y[b*yStride + i] = dot(row ids[i] (or i), activation b): the rows of one matvec/matmul/matvecRows. */
    private static final class RowsTask implements WorkerPool.RangeTask {
        RowDot dot;
        MemorySegment weights;
        long rowBytes;
        MemorySegment act;
        long actBytes;
        int cols;
        int batch;
        int[] ids;
        float[] y;
        int yOff;
        int yStride;

        @Override
        public void run(int from, int to) {
            for (int i = from; i < to; i++) {
                long row = (ids == null ? i : ids[i]) * rowBytes;
                // each weight row is read once and applied to the whole batch while it is in cache
                for (int b = 0; b < batch; b++) {
                    y[yOff + b * yStride + i] = dot.dot(weights, row, act, b * actBytes, cols);
                }
            }
        }

        void clear() {
            weights = null;
            act = null;
            ids = null;
            y = null;
        }
    }
}
