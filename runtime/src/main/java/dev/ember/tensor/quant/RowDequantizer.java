package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Decodes a run of whole blocks of one format to floats: the shape of every {@code dequantizeRow}.
 * Look one up once with {@link Dequantize#of} and call it per row.
 */
@FunctionalInterface
public interface RowDequantizer {
    /**
     * Decodes {@code n} values, a multiple of the block size, from byte {@code offset} of {@code src}
     * into {@code dst[dstOff..dstOff+n)}.
     */
    void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n);
}
