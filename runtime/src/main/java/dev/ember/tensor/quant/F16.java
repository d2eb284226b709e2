package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * IEEE 754 half precision ({@code ggml_fp16_t}): 1 sign, 5 exponent, 10 mantissa bits,
 * little-endian. Conversion is exact to float; float to half rounds to nearest even, as ggml's
 * {@code GGML_FP32_TO_FP16} (F16C) does.
 */
public final class F16 {
    static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private F16() {
    }

    /** @return the half at byte offset {@code offset} of {@code src}, as float */
    public static float get(MemorySegment src, long offset) {
        return Float.float16ToFloat(src.get(LE_SHORT, offset));
    }

    /** Stores {@code v} rounded to half at byte offset {@code offset}. */
    public static void put(MemorySegment dst, long offset, float v) {
        dst.set(LE_SHORT, offset, Float.floatToFloat16(v));
    }

    /** Dequantizes {@code n} halves starting at byte {@code offset} into {@code dst[dstOff..]}. */
    public static void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = get(src, offset + 2L * i);
        }
    }

    /** Rounds {@code n} floats of {@code src[srcOff..]} to halves at byte {@code offset} of {@code dst}. */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        for (int i = 0; i < n; i++) {
            put(dst, offset + 2L * i, src[srcOff + i]);
        }
    }
}
