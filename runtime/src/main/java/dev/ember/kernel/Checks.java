package dev.ember.kernel;

import dev.ember.tensor.Tensor;

/**
 * Argument checks of the {@link Kernels} contract, shared by every provider (scalar, SIMD, native) so they
 * refuse bad calls alike: cheap when they pass, and their messages name the argument.
 */
public final class Checks {
    private Checks() {
    }

    /** @throws IndexOutOfBoundsException unless {@code [off, off + n)} lies inside {@code a} */
    public static void range(String name, float[] a, int off, int n) {
        if (off < 0 || n < 0 || off > a.length - n) {
            throw new IndexOutOfBoundsException(name + "[" + off + " .. " + ((long) off + n) + ") is outside float["
                    + a.length + "]");
        }
    }

    /** @throws IndexOutOfBoundsException unless rows[0 .. count) are rows of {@code w} */
    public static void rowIds(Tensor w, int[] rows, int count) {
        if (count < 0 || count > rows.length) {
            throw new IndexOutOfBoundsException(count + " row ids requested from an int[" + rows.length + "]");
        }
        long n = w.rows();
        for (int i = 0; i < count; i++) {
            if (rows[i] < 0 || rows[i] >= n) {
                throw new IndexOutOfBoundsException("row id " + rows[i] + " at index " + i + " is outside tensor '"
                        + w.name() + "' of " + n + " rows");
            }
        }
    }

    /** @return v, a dimension of {@code w}, as an int, or an IllegalArgumentException naming it */
    public static int toInt(Tensor w, String what, long v) {
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + w.name() + "': " + what + " " + v
                    + " is more than a kernel handles");
        }
        return (int) v;
    }

    /** @return the number of rows of a 2-D weight, as an int */
    public static int rows(Tensor w) {
        return toInt(w, "rows", w.rows());
    }

    /** @return the row length (ne0) of a weight, as an int */
    public static int cols(Tensor w) {
        return toInt(w, "row length", w.shape().rowLength());
    }

    // The preconditions of each Kernels op, so every provider refuses a bad call with the same message.

    /**
     * @return the row length of {@code w}, after checking an {@link Kernels#accumulateRows} call
     */
    public static int accumulateRows(Tensor w, int[] rows, float[] a, int count, float[] y, int yOff) {
        int cols = cols(w);
        range("a", a, 0, count);
        range("y", y, yOff, cols);
        rowIds(w, rows, count);
        ActivationQuantizer.pairing(w.type()); // the same types as the products, refused the same way
        return cols;
    }

    /** Checks an {@link Kernels#rmsnorm} call. */
    public static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n) {
        range("x", x, xOff, n);
        range("out", out, outOff, n);
        range("weight", weight, 0, n);
    }

    /** Checks a {@link Kernels#rope} call. */
    public static void rope(float[] x, int off, int heads, int headSize, int ropeDim, float[] cos, float[] sin,
                            int tableOff) {
        if (ropeDim > headSize || ropeDim % 2 != 0) {
            throw new IllegalArgumentException("rope dims " + ropeDim + " must be even and <= head size " + headSize);
        }
        range("x", x, off, Math.multiplyExact(heads, headSize));
        range("cos", cos, tableOff, ropeDim / 2);
        range("sin", sin, tableOff, ropeDim / 2);
    }

    /** Checks a {@link Kernels#gatedActivation} call. */
    public static void gated(float[] gate, float[] up, int off, int n) {
        range("gate", gate, off, n);
        range("up", up, off, n);
    }

    /** Checks a {@link Kernels#attention} call. */
    public static void attention(float[] q, int qOff, float[] keys, float[] values, int cacheOff, int kvDim,
                                 int heads, int kvHeads, int headSize, int positions, float[] out, int outOff) {
        if (kvHeads <= 0 || heads % kvHeads != 0 || kvHeads * headSize > kvDim) {
            throw new IllegalArgumentException("attention: " + heads + " heads over " + kvHeads
                    + " KV heads of size " + headSize + " do not fit kvDim " + kvDim);
        }
        range("q", q, qOff, Math.multiplyExact(heads, headSize));
        range("out", out, outOff, Math.multiplyExact(heads, headSize));
        range("keys", keys, cacheOff, Math.multiplyExact(positions, kvDim));
        range("values", values, cacheOff, Math.multiplyExact(positions, kvDim));
    }
}
