package dev.ember.tensor.quant;

import dev.ember.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The one place that maps a {@link GgmlType} to its reference encoder, each matching ggml's
 * {@code quantize_row_*_ref} byte for byte: a table, like {@link Dequantize}.
 *
 * <pre>
 * RowQuantizer encode = Quantize.of(GgmlType.Q8_0);   // once
 * encode.quantizeRow(activations, 0, scratch, 0, dim);
 * </pre>
 */
public final class Quantize {
    private static final Map<GgmlType, RowQuantizer> TABLE = table();

    private Quantize() {
    }

    private static Map<GgmlType, RowQuantizer> table() {
        Map<GgmlType, RowQuantizer> t = new EnumMap<>(GgmlType.class);
        t.put(GgmlType.F32, F32::quantizeRow);
        t.put(GgmlType.F16, F16::quantizeRow);
        t.put(GgmlType.BF16, BF16::quantizeRow);
        t.put(GgmlType.Q4_0, Q4_0::quantizeRow);
        t.put(GgmlType.Q4_1, Q4_1::quantizeRow);
        t.put(GgmlType.Q5_0, Q5_0::quantizeRow);
        t.put(GgmlType.Q5_1, Q5_1::quantizeRow);
        t.put(GgmlType.Q8_0, Q8_0::quantizeRow);
        t.put(GgmlType.Q4_K, Q4_K::quantizeRow);
        t.put(GgmlType.Q6_K, Q6_K::quantizeRow);
        t.put(GgmlType.Q8_K, Q8_K::quantizeRow);
        return Collections.unmodifiableMap(t);
    }

    /** @return the types that can be quantized, in id order */
    public static Set<GgmlType> supported() {
        return TABLE.keySet();
    }

    /**
     * @return the encoder for {@code type}
     * @throws UnsupportedOperationException naming the type and the supported ones
     */
    public static RowQuantizer of(GgmlType type) {
        RowQuantizer q = TABLE.get(type);
        if (q == null) {
            throw new UnsupportedOperationException(
                    "cannot quantize to " + type + ": supported types are " + supported());
        }
        return q;
    }

    /**
     * Encodes {@code src[srcOff..srcOff+n)} as {@code type} blocks from byte {@code offset} of {@code dst}
     * ({@code type.byteSize(n)} bytes).
     *
     * @throws IllegalArgumentException if {@code n} is not a whole number of blocks
     * @throws UnsupportedOperationException if {@code type} has no encoder
     */
    public static void row(GgmlType type, float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        RowQuantizer q = of(type);
        Dequantize.checkWholeBlocks(type, n);
        q.quantizeRow(src, srcOff, dst, offset, n);
    }
}
