package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * IEEE 754 single precision, little-endian, one value per "block": no quantization at all, so both
 * directions are bulk copies. Here so that the dispatch tables treat every type alike.
 */
public final class F32 {
    private F32() {
    }

    /** Copies {@code n} floats from byte {@code offset} of {@code src} into {@code dst[dstOff..dstOff+n)}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        MemorySegment.copy(src, BlockMath.LE_FLOAT, offset, dst, dstOff, n);
    }

    /** Copies {@code src[srcOff..srcOff+n)} to byte {@code offset} of {@code dst}. */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        MemorySegment.copy(src, srcOff, dst, BlockMath.LE_FLOAT, offset, n);
    }

    /**
     * The dot product of n floats at byte {@code wOff} of {@code w} with n floats at byte {@code aOff} of
     * {@code a}, as ggml's scalar {@code ggml_vec_dot_f32}: each product rounded to float, the sum kept in
     * double ({@code ggml_float}) and rounded to float at the end.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += w.get(BlockMath.LE_FLOAT, wOff + 4L * i) * a.get(BlockMath.LE_FLOAT, aOff + 4L * i);
        }
        return (float) sum;
    }
}
