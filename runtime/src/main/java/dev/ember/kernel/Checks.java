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
}
