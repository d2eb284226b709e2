package dev.ember.tensor.quant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The two 16-bit roundings every scale goes through, on values whose results follow from IEEE 754 and
 * ggml's NaN rules by hand: ties to even, overflow, subnormals and NaN.
 */
class HalfPrecisionTest {

    @Test
    void f16RoundsToNearestEven() {
        assertEquals(0x3c00, bits(F16.fromFloat(1f)));
        assertEquals(0x3c00, bits(F16.fromFloat(1f + 0x1p-11f)), "1 + half an ulp: tie, to even (down)");
        assertEquals(0x3c02, bits(F16.fromFloat(1f + 3 * 0x1p-11f)), "1 + 1.5 ulp: tie, to even (up)");
        assertEquals(0x7bff, bits(F16.fromFloat(65504f)), "largest half");
        assertEquals(0x7c00, bits(F16.fromFloat(65520f)), "halfway to 65536: tie to even is infinity");
        assertEquals(0x0001, bits(F16.fromFloat(0x1p-24f)), "smallest subnormal");
        assertEquals(0x0000, bits(F16.fromFloat(0x1p-25f)), "half the smallest subnormal: tie, to zero");
        assertEquals(0x8000, bits(F16.fromFloat(-0f)));
        assertEquals(0xbc00, bits(F16.fromFloat(-1f)));
    }

    @Test
    void f16NaNIsGgmlsQuietNaN() {
        // ggml_compute_fp32_to_fp16: any NaN becomes 0x7e00 with the input's sign
        assertEquals(0x7e00, bits(F16.fromFloat(Float.intBitsToFloat(0x7f800001))));
        assertEquals(0xfe00, bits(F16.fromFloat(Float.intBitsToFloat(0xffc00123))));
        assertEquals(Float.POSITIVE_INFINITY, F16.toFloat((short) 0x7c00));
        assertEquals(0x1p-24f, F16.toFloat((short) 0x0001));
    }

    @Test
    void bf16RoundsToNearestEvenAndQuietsNaN() {
        assertEquals(0x3f80, bits(BF16.fromFloat(1f)));
        assertEquals(0x3f80, bits(BF16.fromFloat(1f + 0x1p-8f)), "tie, to even (down)");
        assertEquals(0x3f82, bits(BF16.fromFloat(1f + 3 * 0x1p-8f)), "tie, to even (up)");
        assertEquals(0x3f81, bits(BF16.fromFloat(1f + 0x1p-8f + 0x1p-20f)), "just above the tie");
        assertEquals(0x7f80, bits(BF16.fromFloat(Float.MAX_VALUE)), "rounds up to infinity");
        // subnormals are rounded like the rest (no flush to zero): 0x00012345 -> 0x0001
        assertEquals(0x0001, bits(BF16.fromFloat(Float.intBitsToFloat(0x00012345))));
        // NaN keeps its top 16 bits and gets the quiet bit (0x0040)
        assertEquals(0x7fc0, bits(BF16.fromFloat(Float.intBitsToFloat(0x7f800001))));
        assertEquals(0xffc1, bits(BF16.fromFloat(Float.intBitsToFloat(0xff810000))));
        assertEquals(-2f, BF16.toFloat((short) 0xc000));
    }

    private static int bits(short h) {
        return Short.toUnsignedInt(h);
    }
}
