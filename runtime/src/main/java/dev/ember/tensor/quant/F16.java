package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;

/**
 * IEEE 754 half precision ({@code ggml_fp16_t}): 1 sign, 5 exponent and 10 mantissa bits, little-endian,
 * one value per "block". Half to float is exact. Float to half rounds to nearest even like ggml's
 * {@code GGML_FP32_TO_FP16}, including subnormals and overflow to infinity; a NaN becomes ggml's quiet
 * NaN {@code 0x7E00} with the input's sign (Java's own conversion would keep payload bits).
 *
 * <p>Every block format stores its scales through {@link #get} and {@link #put}, so this rounding is
 * the one that makes their bytes match ggml's.
 */
public final class F16 {
    private static final short QUIET_NAN = 0x7E00;

    private F16() {
    }

    /** @return half {@code h} (raw bits) as float, exactly */
    public static float toFloat(short h) {
        return Float.float16ToFloat(h);
    }

    /** @return {@code v} rounded to half (raw bits), as ggml rounds it */
    public static short fromFloat(float v) {
        if (Float.isNaN(v)) {
            return (short) ((Float.floatToRawIntBits(v) >>> 16 & 0x8000) | QUIET_NAN);
        }
        return Float.floatToFloat16(v);
    }

    /** @return the half at byte {@code offset} of {@code src}, as float */
    public static float get(MemorySegment src, long offset) {
        return toFloat(src.get(BlockMath.LE_SHORT, offset));
    }

    /** Stores {@code v}, rounded to half, at byte {@code offset} of {@code dst}. */
    public static void put(MemorySegment dst, long offset, float v) {
        dst.set(BlockMath.LE_SHORT, offset, fromFloat(v));
    }

    /** Widens {@code n} halves from byte {@code offset} of {@code src} into {@code dst[dstOff..dstOff+n)}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = get(src, offset + 2L * i);
        }
    }

    /** Rounds {@code src[srcOff..srcOff+n)} to halves, written from byte {@code offset} of {@code dst}. */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        for (int i = 0; i < n; i++) {
            put(dst, offset + 2L * i, src[srcOff + i]);
        }
    }

    /**
     * The dot product of n halves at byte {@code wOff} of {@code w} with n halves (the activation rounded
     * to F16) at byte {@code aOff} of {@code a}, as ggml's scalar {@code ggml_vec_dot_f16}: products in float
     * (exact for two halves), summed in double, rounded to float at the end.
     */
    public static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += get(w, wOff + 2L * i) * get(a, aOff + 2L * i);
        }
        return (float) sum;
    }
}
