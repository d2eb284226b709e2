package dev.ember.tensor;

import java.util.Arrays;

/**
 * A tensor's dimensions in ggml order: {@code dims[0]} (ne0) is the row length, the contiguous one;
 * {@code dims[1]} (ne1) counts rows. A weight matrix [ne0, ne1] = [columns, rows] is read by a matvec
 * as ne1 rows of ne0 values.
 *
 * @param dims the dimensions, ne0 first; at most 4, each at least 1
 */
public record Shape(long... dims) {
    /** The most dimensions ggml allows ({@code GGML_MAX_DIMS}). */
    public static final int MAX_DIMS = 4;

    /** Validates and copies the dimensions. */
    public Shape {
        if (dims.length == 0 || dims.length > MAX_DIMS) {
            throw new IllegalArgumentException("a shape has 1.." + MAX_DIMS + " dims, got " + dims.length);
        }
        dims = dims.clone();
        long n = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException(
                        "dimension " + d + " in " + Arrays.toString(dims) + " is not positive");
            }
            n = Math.multiplyExact(n, d);
        }
    }

    /** @return the number of dimensions */
    public int rank() {
        return dims.length;
    }

    /** @return dimension {@code i} (ggml order), 1 past the rank */
    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    /** @return the dimensions, ne0 first (a copy) */
    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** @return the total number of elements */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** @return the length of one row (ne0) */
    public long rowLength() {
        return dims[0];
    }

    /** @return the number of rows: every dimension but the first, multiplied */
    public long rows() {
        return elementCount() / dims[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
