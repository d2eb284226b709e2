package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * Encodes a run of floats as whole blocks of one format: the shape of every {@code quantizeRow}.
 * Look one up once with {@link Quantize#of} and call it per row.
 */
@FunctionalInterface
public interface RowQuantizer {
    /**
     * Encodes {@code src[srcOff..srcOff+n)}, n a multiple of the block size, as {@code n / blockSize}
     * blocks written from byte {@code offset} of {@code dst}.
     */
    void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n);
}
