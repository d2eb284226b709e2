package dev.ember.kernels.simd;

import dev.ember.kernel.Activation;
import dev.ember.kernel.ActivationQuantizer;
import dev.ember.kernel.Checks;
import dev.ember.kernel.PooledKernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.F16;
import dev.ember.tensor.quant.RowDot;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@link Kernels} on the Vector API. The structure is the scalar reference's ({@code ScalarKernels}):
 * activations converted once per call by {@link ActivationQuantizer} into ggml's block layout, rows split over
 * the {@link WorkerPool}, one preallocated task per op so that a warm call allocates nothing. What differs is
 * the arithmetic: the dots come from {@link Dots} (a vector dot per weight type, the scalar one where there is
 * none), and the float ops from {@link VectorOps}. Prefill ({@link #matmul}) walks tiles of weight rows
 * against tiles of tokens so that each weight byte comes from memory once per call and the activations stay in
 * cache; each token's arithmetic is its matvec's, so prefill and decode agree bit for bit.
 *
 * <p>Results do not depend on the thread count: a row, a head, or a column is always computed by one thread in
 * one order. For the 32-value block formats the dots equal the scalar reference bit for bit; float formats and
 * float ops sum in float lanes (as ggml's AVX code), within the conformance test's tolerances.
 */
public final class SimdKernels extends PooledKernels {
    /** Bytes of weight rows a prefill tile holds: well inside a core's L2 (256 KB or more on current x86). */
    private static final long L2_TILE = 96 << 10;
    /** Bytes of converted activations a prefill tile holds: about a core's L1 data cache. */
    private static final long L1_TILE = 32 << 10;

    private final WidenedQ8 widenedQ8 = new WidenedQ8();
    private final RowsTask rowsTask = new RowsTask();
    private final AttentionTask attentionTask = new AttentionTask();
    /** (batch, cols) floats: F16 activations widened for {@link F16Dot#dotWidened}; grown on first use. */
    private MemorySegment widened = MemorySegment.NULL;

    /** @param pool the threads to split work over; shared, not owned */
    public SimdKernels(WorkerPool pool) {
        super(pool);
    }

    @Override
    public String name() {
        return SimdKernelProvider.NAME;
    }





    /** Converts x once, then dots every (listed) row with every one of the batch's vectors. */
    @Override
    protected void multiply(Tensor w, float[] x, int xOff, int batch, float[] y, int yOff, int[] ids, int count) {
        ActivationQuantizer.Pairing p = ActivationQuantizer.pairing(w.type());
        int cols = Checks.cols(w);
        RowsTask t = rowsTask;
        t.dot = Dots.of(p);
        t.blockDot = Dots.block(w.type());
        t.weights = w.data();
        t.rowBytes = w.rowBytes();
        t.act = activations.quantize(p, x, xOff, cols, batch);
        t.actBytes = p.activationBytes(cols);
        if (t.blockDot != null) {
            widenedQ8.widen(p.activation(), t.act, cols, batch);
            t.wide = widenedQ8;
            t.actBytes = 2L * cols;
        } else if (w.type() == GgmlType.F16) {
            // the F16 activation widened to floats once per call (exact), so that per product only the weight
            // is converted: half the conversion work of the row loop
            t.act = widen(t.act, (long) cols * batch);
            t.actBytes = 4L * cols;
            t.dot = F16Dot::dotWidened;
        }
        t.cols = cols;
        t.batch = batch;
        t.ids = ids;
        t.y = y;
        t.yOff = yOff;
        t.yStride = ids == null ? count : 0;
        parallel(t, count, (long) count * cols * batch);
        t.clear();
    }

    /** @return {@code n} halves of {@code halves} as floats, in this instance's scratch */
    private MemorySegment widen(MemorySegment halves, long n) {
        if (widened.byteSize() < 4 * n) {
            widened = Arena.ofAuto().allocate(Math.max(4 * n, 2 * widened.byteSize()), 64);
        }
        for (long i = 0; i < n; i++) {
            widened.setAtIndex(F32Dot.LE_FLOAT, i, F16.get(halves, 2 * i));
        }
        return widened;
    }

    @Override
    protected void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        VectorOps.axpy(a, x, xOff, y, yOff, n);
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        Checks.rmsnorm(out, outOff, x, xOff, weight, n);
        VectorOps.rmsnorm(out, outOff, x, xOff, weight, n, eps);
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        Checks.range("x", x, off, n);
        VectorOps.softmax(x, off, n);
    }

    @Override
    public void rope(float[] x, int off, int heads, int headSize, int ropeDim, float[] cos, float[] sin,
                     int tableOff, boolean neox) {
        Checks.rope(x, off, heads, headSize, ropeDim, cos, sin, tableOff);
        VectorOps.rope(x, off, heads, headSize, ropeDim, cos, sin, tableOff, neox);
    }

    @Override
    public void gatedActivation(Activation act, float[] gate, float[] up, int off, int n) {
        Checks.gated(gate, up, off, n);
        VectorOps.gated(act, gate, up, off, n);
    }

    @Override
    public void attention(float[] q, int qOff, float[] keys, float[] values, int cacheOff, int kvDim, int heads,
                          int kvHeads, int headSize, int positions, float[] out, int outOff) {
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
        t.out = out;
        t.outOff = outOff;
        parallel(t, heads, 2L * heads * positions * headSize);
        t.clear();
    }


    /** y[b*yStride + i] = dot(row ids[i] (or i), activation b): the rows of one matvec/matmul/matvecRows. */
    private static final class RowsTask implements WorkerPool.RangeTask {
        RowDot dot;
        BlockDot blockDot; // when not null, the dot: of a block format with widened activations
        WidenedQ8 wide;
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
            if (blockDot != null) {
                runBlocks(from, to);
                return;
            }
            if (batch == 1) {
                for (int i = from; i < to; i++) {
                    y[yOff + i] = dot.dot(weights, (ids == null ? i : ids[i]) * rowBytes, act, 0, cols);
                }
                return;
            }
            // prefill: a tile of weight rows (about L2_TILE bytes) is read from memory once and then met by the
            // batch's activations a tile of tokens (about L1_TILE bytes) at a time, so both stay in cache
            int rowTile = (int) Math.max(1, L2_TILE / rowBytes);
            int tokenTile = (int) Math.max(1, L1_TILE / actBytes);
            for (int r0 = from; r0 < to; r0 += rowTile) {
                int r1 = Math.min(to, r0 + rowTile);
                for (int b0 = 0; b0 < batch; b0 += tokenTile) {
                    int b1 = Math.min(batch, b0 + tokenTile);
                    for (int i = r0; i < r1; i++) {
                        long row = (ids == null ? i : ids[i]) * rowBytes;
                        for (int b = b0; b < b1; b++) {
                            y[yOff + b * yStride + i] = dot.dot(weights, row, act, b * actBytes, cols);
                        }
                    }
                }
            }
        }

        /** {@link #run} for the block formats, with its prefill tiling. */
        private void runBlocks(int from, int to) {
            BlockDot d = blockDot;
            int rowTile = batch == 1 ? to - from : (int) Math.max(1, L2_TILE / rowBytes);
            int tokenTile = (int) Math.max(1, L1_TILE / actBytes);
            for (int r0 = from; r0 < to; r0 += rowTile) {
                int r1 = Math.min(to, r0 + rowTile);
                for (int b0 = 0; b0 < batch; b0 += tokenTile) {
                    int b1 = Math.min(batch, b0 + tokenTile);
                    for (int i = r0; i < r1; i++) {
                        long row = (ids == null ? i : ids[i]) * rowBytes;
                        for (int b = b0; b < b1; b++) {
                            y[yOff + b * yStride + i] = d.dot(weights, row, wide, b);
                        }
                    }
                }
            }
        }

        void clear() {
            dot = null;
            blockDot = null;
            wide = null;
            weights = null;
            act = null;
            ids = null;
            y = null;
        }
    }


    /** One head per item: scores, softmax, weighted sum of values. */
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
        float[] out;
        int outOff;
        float[] scores = new float[0]; // (heads, positions)
        float[] sums = new float[0];   // (heads, headSize)

        void grow(int scoreCount, int sumCount) {
            // geometric growth: a long generation reallocates O(log positions) times, not once per token
            if (scores.length < scoreCount) {
                scores = new float[Math.max(scoreCount, 2 * scores.length)];
            }
            if (sums.length < sumCount) {
                sums = new float[Math.max(sumCount, 2 * sums.length)];
            }
        }

        @Override
        public void run(int from, int to) {
            for (int h = from; h < to; h++) {
                VectorOps.attendHead(q, qOff + h * headSize, keys, values, cacheOff + h / group * headSize, kvDim,
                        headSize, positions, scores, h * positions, sums, h * headSize, out, outOff + h * headSize);
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
