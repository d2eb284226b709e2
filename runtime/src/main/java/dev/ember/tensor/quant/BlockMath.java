package dev.ember.tensor.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Little-endian accessors and the rounding rules that ggml's reference quantizers use, shared by the
 * block formats. Unaligned layouts throughout: a block of 18 or 22 bytes leaves its successors at odd
 * addresses, and rows may start anywhere in a file.
 */
final class BlockMath {
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** 1.5 * 2^23: adding it to a float below 2^22 in magnitude leaves the rounded integer in the low bits. */
    private static final float ROUNDING_MAGIC = 12582912f;

    private BlockMath() {
    }

    /** @return the unsigned byte at {@code offset} */
    static int u8(MemorySegment src, long offset) {
        return Byte.toUnsignedInt(src.get(ValueLayout.JAVA_BYTE, offset));
    }

    /** @return the signed byte at {@code offset} */
    static int s8(MemorySegment src, long offset) {
        return src.get(ValueLayout.JAVA_BYTE, offset);
    }

    /** Stores the low 8 bits of {@code v} at {@code offset}. */
    static void put8(MemorySegment dst, long offset, int v) {
        dst.set(ValueLayout.JAVA_BYTE, offset, (byte) v);
    }

    /**
     * Round half to even, the way ggml's {@code nearest_int} does it: the float addition of 1.5 * 2^23
     * rounds to an integer in the FPU's default mode. Valid for |v| < 2^22, as ggml asserts.
     */
    static int nearestInt(float v) {
        return (Float.floatToRawIntBits(v + ROUNDING_MAGIC) & 0x007fffff) - 0x00400000;
    }

    /**
     * C's {@code roundf}: half away from zero. {@link Math#round(float)} rounds half up instead
     * (-2.5 to -2), and adding 0.5 in float would round 0.49999997 up, so this works in double.
     */
    static int roundHalfAway(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }
}
