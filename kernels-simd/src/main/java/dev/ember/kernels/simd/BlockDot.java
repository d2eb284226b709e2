package dev.ember.kernels.simd;

import java.lang.foreign.MemorySegment;

/**
 * The dot of one row of a 32-value block format (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) with {@link WidenedQ8}
 * activations. Arithmetic, the same in every implementation and for every batch size: per block the exact
 * integer products, summed in short lanes and then in pairs into int lanes (no horizontal sum per block), the
 * lanes converted to float and multiply-added with the block's {@code dw * da} into float lanes; the lanes are
 * summed once per row. That is llama.cpp's AVX2 order (not its scalar one): results differ from the scalar
 * reference by float rounding only, and a token's result does not depend on the batch it is in.
 */
interface BlockDot {
    /** @return row {@code wOff} of {@code w} dotted with activation row {@code token} of {@code a} */
    float dot(MemorySegment w, long wOff, WidenedQ8 a, int token);

}
