package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * bfloat16 ({@code ggml_bf16_t}): the top 16 bits of an IEEE float (1 sign, 8 exponent, 7 mantissa
 * bits), little-endian, one value per "block". Widening is a shift. Narrowing follows ggml's
 * {@code ggml_compute_fp32_to_bf16}: round to nearest even on the dropped 16 bits (subnormals kept,
 * overflow to infinity), and a NaN keeps its top bits with the quiet bit forced on.
 */
public final class BF16 {
    private static final int QUIET_BIT = 0x40;

    private BF16() {
    }

    /** @return bfloat16 {@code h} (raw bits) as float, exactly */
    public static float toFloat(short h) {
        return Float.intBitsToFloat(Short.toUnsignedInt(h) << 16);
    }

    /** @return {@code v} rounded to bfloat16 (raw bits), as ggml rounds it */
    public static short fromFloat(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) (bits >>> 16 | QUIET_BIT);
        }
        // adding 0x7fff plus the lowest kept bit carries into the kept half exactly when rounding up
        return (short) ((bits + 0x7fff + (bits >>> 16 & 1)) >>> 16);
    }

    /** @return the bfloat16 at byte {@code offset} of {@code src}, as float */
    public static float get(MemorySegment src, long offset) {
        return toFloat(src.get(BlockMath.LE_SHORT, offset));
    }

    /** Stores {@code v}, rounded to bfloat16, at byte {@code offset} of {@code dst}. */
    public static void put(MemorySegment dst, long offset, float v) {
        dst.set(BlockMath.LE_SHORT, offset, fromFloat(v));
    }

    /** Widens {@code n} bfloat16s from byte {@code offset} of {@code src} into {@code dst[dstOff..dstOff+n)}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = get(src, offset + 2L * i);
        }
    }

    /** Rounds {@code src[srcOff..srcOff+n)} to bfloat16s, written from byte {@code offset} of {@code dst}. */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        for (int i = 0; i < n; i++) {
            put(dst, offset + 2L * i, src[srcOff + i]);
        }
    }

    /**
     * The dot product of n bfloat16s at byte {@code wOff} of {@code w} with n bfloat16s (the activation
     * rounded to BF16) at byte {@code aOff} of {@code a}, as ggml's scalar {@code ggml_vec_dot_bf16}: products
     * in float (exact), summed in double, rounded to float at the end.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += get(w, wOff + 2L * i) * get(a, aOff + 2L * i);
        }
        return (float) sum;
    }
}
