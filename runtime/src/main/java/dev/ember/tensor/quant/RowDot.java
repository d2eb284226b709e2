package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * The dot product of one row of weights with an activation already converted to the weight type's
 * vec-dot format (Q8_0, Q8_1, Q8_K, F16, BF16 or F32 blocks): the shape of every format's {@code dot}.
 * Each implementation computes what ggml's {@code ggml_vec_dot_*} computes in its generic (scalar) form:
 * integer sums per block, scaled by the block scales in float, accumulated in ggml's order.
 */
@FunctionalInterface
public interface RowDot {
    /**
     * @param w    weight blocks, read from byte {@code wOff}
     * @param wOff byte offset of the row's first block
     * @param a    activation blocks of the paired vec-dot type, read from byte {@code aOff}
     * @param aOff byte offset of the activation's first block
     * @param n    values to multiply, a multiple of both block sizes
     * @return the dot product as ggml computes it
     */
    float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n);
}
