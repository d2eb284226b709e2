package dev.ember.kernel;

import dev.ember.tensor.Tensor;

/**
 * The primitive operations of a forward pass, behind one small interface so that the scalar
 * reference, the Vector API and the native kernels are interchangeable. The model calls only these.
 *
 * <p>Conventions. A weight {@link Tensor} {@code w} is 2-D in ggml order {@code [cols, rows]}: row
 * {@code r} holds {@code cols = w.shape().rowLength()} values in the tensor's block format. Vectors are
 * {@code float[]} with an offset; a batch of {@code n} vectors of length {@code d} is one array laid out
 * {@code (n, d)} row-major. Outputs never alias inputs unless a method says so.
 *
 * <p>An instance belongs to one session: it owns scratch (quantized activations, attention scores)
 * that it sizes on first use and reuses, so no call allocates once warm. It is not thread-safe; it
 * splits its work over the shared {@link WorkerPool} it was created with. Quantized weights are
 * multiplied as llama.cpp does: the activation is first quantized to the weight type's
 * {@link ActivationQuantizer vec-dot type} (Q8_0, Q8_1, Q8_K, F16 or BF16), then dotted block by block.
 *
 * <p>Guarantees every implementation keeps (the conformance test checks them): results do not depend on
 * the number of threads; {@code matvecRows} gives, bit for bit, the listed rows of {@code matvec} (so a
 * sparse FFN that keeps every neuron equals the dense one); {@code matmul} with a batch of 1 equals
 * {@code matvec}. Weight types: those of {@link ActivationQuantizer#supported()}; others throw
 * {@link dev.ember.EmberException}. Index arguments are checked: out-of-range offsets, lengths and row ids
 * throw {@link IndexOutOfBoundsException} before anything is written.
 *
 * <pre>
 * Kernels k = KernelSelection.select().create(pool);
 * k.rmsnorm(xb, 0, x, 0, attnNorm, dim, eps);
 * k.matvec(wq, xb, 0, q, 0);
 * </pre>
 */
public interface Kernels {
    /** @return the implementation's name ("scalar", "simd", "native"), reported in every result */
    String name();

    /** @return the number of threads this instance splits work over */
    int threads();

    /**
     * {@code y[yOff + r] = dot(w[r], x[xOff .. xOff + cols))} for every row r: a decode step's matrix-vector
     * product. x is converted to the weight's vec-dot type once per call. y must not overlap x.
     */
    void matvec(Tensor w, float[] x, int xOff, float[] y, int yOff);

    /**
     * {@code y[b*rows + r] = dot(w[r], x[b*cols ..])} for {@code b < batch}: prefill's matrix product, reading
     * each block of weights once for the whole batch. x is (batch, cols), y is (batch, rows), from index 0;
     * they must not overlap. Each token's row is what {@link #matvec} computes for that token alone.
     */
    void matmul(Tensor w, float[] x, int batch, float[] y);

    /**
     * {@code y[i] = dot(w[rows[i]], x[xOff ..])} for {@code i < count}: only the listed rows (sparse FFN), in any
     * order, repeats allowed; entries of rows past count are ignored. y is (count), from index 0.
     */
    void matvecRows(Tensor w, int[] rows, int count, float[] x, int xOff, float[] y);

    /**
     * {@code y[yOff + j] += sum_i a[i] * w[rows[i]][j]} for {@code i < count}: a weighted sum of rows of a
     * neuron-major matrix (row = neuron), the sparse FFN's down projection. a is indexed like rows. Each row is
     * dequantized exactly and added in float, in list order; or, on Q4_0/Q8_0, a provider may sum eight rows at a
     * time in integers as {@link #sparseFeedForward} may (within 1e-4 of the terms' magnitudes, independent of the
     * thread count, rows with a = 0 changing nothing). y (cols values from yOff) must not overlap a.
     */
    void accumulateRows(Tensor w, int[] rows, float[] a, int count, float[] y, int yOff);

    /**
     * The feed-forward of one token over chosen neurons (a sparse FFN), with {@code n = ids[k]}, {@code k < count}:
     * <pre>
     *   g[k]  = gate[n] . x          (unless gateGiven: then g[k] already holds it)
     *   u[k]  = up[n] . x
     *   g[k]  = act(g[k]) * u[k]     (h, left in g)
     *   out[outOff + j] = sum_k g[k] * down[n][j]     (down neuron-major: row n = neuron n; out overwritten)
     * </pre>
     * x holds {@code cols(gate)} values from xOff; u is scratch. By default the composition of
     * {@link #matvecRows}, {@link #gatedActivation} and {@link #accumulateRows} (the oracle); a provider may fuse
     * it into one pass over the chosen neurons, summing the down projection in another (fixed) order, or in
     * integers with each {@code g[k] * down[n][j]} coefficient rounded to 16 bits of the largest it is summed
     * with (~3e-5 of an output): equal to the composition within 1e-4 of the sum of the terms' magnitudes, still
     * independent of the thread count, and a listed neuron whose h is exactly 0 changes nothing, bit for bit
     * (ReLU's exact skipping relies on it).
     */
    default void sparseFeedForward(Tensor gate, Tensor up, Tensor down, Activation act, int[] ids, int count,
                                   float[] x, int xOff, boolean gateGiven, float[] g, float[] u, float[] out,
                                   int outOff) {
        composeSparseFeedForward(this, gate, up, down, act, ids, count, x, xOff, gateGiven, g, u, out, outOff);
    }

    /**
     * @return the name (with its version) of this provider's own storage layout of a sparse FFN layer over these
     *         matrices (the fused pass's neuron bundles), or null when it has none: a sparse-ready file stores
     *         the layout under this name, so the provider need not build it at load
     */
    default String sparseLayout(Tensor gate, Tensor up, Tensor down) {
        return null;
    }

    /** @return the bytes of {@link #sparseLayout} for these matrices, as this provider builds them */
    default java.lang.foreign.MemorySegment buildSparseLayout(Tensor gate, Tensor up, Tensor down) {
        throw new UnsupportedOperationException(name() + " kernels have no sparse layout of their own");
    }

    /**
     * Has {@link #sparseFeedForward} over these matrices read {@code stored} (a file's mapping, in the layout
     * {@link #sparseLayout} names, {@link #buildSparseLayout}'s bytes) instead of building the layout.
     */
    default void useSparseLayout(Tensor gate, Tensor up, Tensor down, java.lang.foreign.MemorySegment stored) {
    }

    /**
     * Where a fused {@link #sparseFeedForward} over {@code gate}'s neurons cuts them into chunks summed apart
     * (each chunk's partial output, then the partials in order): at these neuron numbers, ascending multiples of
     * 8 starting at 0. By default equal spans; a layout whose chosen neurons cluster (frequency order) asks for
     * spans of equal expected work, so that no thread waits at the end of a layer. The cuts fix the order of the
     * sums (results depend on them, never on the thread count); they hold for this kernels object's calls.
     */
    default void sparseChunks(Tensor gate, int[] starts) {
    }

    /** {@link #sparseFeedForward} as the composition of k's other ops: the oracle, and a fused op's fallback. */
    static void composeSparseFeedForward(Kernels k, Tensor gate, Tensor up, Tensor down, Activation act, int[] ids,
                                         int count, float[] x, int xOff, boolean gateGiven, float[] g, float[] u,
                                         float[] out, int outOff) {
        if (!gateGiven) {
            k.matvecRows(gate, ids, count, x, xOff, g);
        }
        k.matvecRows(up, ids, count, x, xOff, u);
        k.gatedActivation(act, g, u, 0, count);
        java.util.Arrays.fill(out, outOff, outOff + (int) down.shape().rowLength(), 0f);
        k.accumulateRows(down, ids, g, count, out, outOff);
    }

    /**
     * {@code out = x / sqrt(mean(x^2) + eps) * weight} over n values (weight from index 0), as ggml: the sum
     * of squares in double, the scale in float. out may be x at the same offset (in place).
     */
    void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps);

    /** In-place softmax over {@code x[off .. off+n)}, max-subtracted; exp in float, the sum in double. */
    void softmax(float[] x, int off, int n);

    /**
     * In-place rotary embedding of {@code heads} heads of {@code headSize} at {@code x[off ..]}: the first
     * {@code ropeDim} dims of each head are rotated by the angles whose cos/sin are {@code cos[tableOff ..
     * tableOff + ropeDim/2)} (likewise sin), one angle per pair. Normal (llama) style rotates pairs (2i, 2i+1);
     * NeoX style pairs (i, i + ropeDim/2). Dims from ropeDim to headSize are left as they are.
     */
    void rope(float[] x, int off, int heads, int headSize, int ropeDim, float[] cos, float[] sin, int tableOff,
              boolean neox);

    /**
     * {@code gate[off+i] = act(gate[off+i]) * up[off+i]} for {@code i < n}: the gated FFN product, in place in
     * gate; the activation in float as ggml's scalar code (SiLU: x / (1 + exp(-x))).
     */
    void gatedActivation(Activation act, float[] gate, float[] up, int off, int n);

    /**
     * Causal multi-head attention of one query position over a layer's cache: for head h (using KV head
     * {@code h / (heads / kvHeads)}), scores over positions {@code 0 .. positions-1} scaled by
     * {@code 1/sqrt(headSize)}, softmax, weighted sum of values into {@code out[outOff + h*headSize ..]}.
     * keys and values are (contextLength, kvDim) position-major, starting at {@code cacheOff}; KV head g's
     * values are at {@code [g*headSize, (g+1)*headSize)} of a position. q and out are (heads, headSize) from
     * their offsets; out must not overlap q, keys or values. Positions are all attended: causality is the
     * caller's (pass positions = pos + 1). Scores and weighted sums are F32 dots (double sums), as llama.cpp's
     * attention with an F32 cache and without flash attention.
     */
    void attention(float[] q, int qOff, float[] keys, float[] values, int cacheOff, int kvDim, int heads,
                   int kvHeads, int headSize, int positions, float[] out, int outOff);

    /**
     * {@link #attention} with the score scale given (instead of 1/sqrt(headSize)) and, when {@code softcap > 0},
     * the scores capped as {@code softcap * tanh(score / softcap)} before the softmax: gemma2's attention.
     */
    void attention(float[] q, int qOff, float[] keys, float[] values, int cacheOff, int kvDim, int heads,
                   int kvHeads, int headSize, int positions, float scale, float softcap, float[] out, int outOff);
}
