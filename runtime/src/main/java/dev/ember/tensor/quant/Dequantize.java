package dev.ember.tensor.quant;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The one place that maps a {@link GgmlType} to its scalar decoder: a table, so adding a format is one
 * line here and one class beside it.
 *
 * <pre>
 * RowDequantizer decode = Dequantize.of(tensor.type());   // once
 * for (long r = 0; r &lt; tensor.rows(); r++) {
 *     decode.dequantizeRow(tensor.data(), r * tensor.rowBytes(), row, 0, rowLength);
 * }
 * </pre>
 */
public final class Dequantize {
    private static final Map<GgmlType, RowDequantizer> TABLE = table();

    private Dequantize() {
    }

    private static Map<GgmlType, RowDequantizer> table() {
        Map<GgmlType, RowDequantizer> t = new EnumMap<>(GgmlType.class);
        t.put(GgmlType.F32, F32::dequantizeRow);
        t.put(GgmlType.F16, F16::dequantizeRow);
        t.put(GgmlType.BF16, BF16::dequantizeRow);
        t.put(GgmlType.Q4_0, Q4_0::dequantizeRow);
        t.put(GgmlType.Q4_1, Q4_1::dequantizeRow);
        t.put(GgmlType.Q5_0, Q5_0::dequantizeRow);
        t.put(GgmlType.Q5_1, Q5_1::dequantizeRow);
        t.put(GgmlType.Q8_0, Q8_0::dequantizeRow);
        t.put(GgmlType.Q2_K, Q2_K::dequantizeRow);
        t.put(GgmlType.Q3_K, Q3_K::dequantizeRow);
        t.put(GgmlType.Q4_K, Q4_K::dequantizeRow);
        t.put(GgmlType.Q5_K, Q5_K::dequantizeRow);
        t.put(GgmlType.Q6_K, Q6_K::dequantizeRow);
        t.put(GgmlType.Q8_K, Q8_K::dequantizeRow);
        return Collections.unmodifiableMap(t);
    }

    /** @return the types that can be dequantized, in id order */
    public static Set<GgmlType> supported() {
        return TABLE.keySet();
    }

    /**
     * @return the decoder for {@code type}
     * @throws UnsupportedOperationException naming the type and the supported ones
     */
    public static RowDequantizer of(GgmlType type) {
        RowDequantizer d = TABLE.get(type);
        if (d == null) {
            throw new UnsupportedOperationException(
                    "cannot dequantize " + type + ": supported types are " + supported());
        }
        return d;
    }

    /**
     * Decodes {@code n} values of {@code type} from byte {@code offset} of {@code src} into
     * {@code dst[dstOff..dstOff+n)}.
     *
     * @throws IllegalArgumentException if {@code n} is not a whole number of blocks
     * @throws UnsupportedOperationException if {@code type} has no decoder
     */
    public static void row(GgmlType type, MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        RowDequantizer d = of(type);
        checkWholeBlocks(type, n);
        d.dequantizeRow(src, offset, dst, dstOff, n);
    }

    /**
     * Decodes row {@code row} of {@code t} (its ne0 = {@code t.shape().rowLength()} values) into
     * {@code dst[0..rowLength)}.
     *
     * @throws IndexOutOfBoundsException if the row does not exist or {@code dst} is too short
     */
    public static void row(Tensor t, long row, float[] dst) {
        if (row < 0 || row >= t.rows()) {
            throw new IndexOutOfBoundsException("tensor '" + t.name() + "': row " + row + " of " + t.rows());
        }
        long n = t.shape().rowLength();
        if (dst.length < n) {
            throw new IndexOutOfBoundsException("tensor '" + t.name() + "': row of " + n
                    + " values does not fit a float[" + dst.length + "]");
        }
        of(t.type()).dequantizeRow(t.data(), row * t.rowBytes(), dst, 0, (int) n);
    }

    static void checkWholeBlocks(GgmlType type, int n) {
        if (n < 0 || n % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + ": " + n + " values is not a whole number of "
                    + type.blockSize() + "-value blocks");
        }
    }
}
