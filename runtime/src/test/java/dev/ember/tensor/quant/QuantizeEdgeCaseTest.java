package dev.ember.tensor.quant;

import dev.ember.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Awkward inputs for every quantizer: all zeros, one huge value, negative-only blocks, one block against
 * many, and unaligned offsets on every side. Expected bytes are worked out by hand from ggml's reference
 * code (cited per case), never produced by the code under test.
 */
class QuantizeEdgeCaseTest {
    private static final byte SENTINEL = 0x5A;

    /** All-zero block, by hand from each {@code quantize_row_*_ref}. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q8_K", "Q4_K", "Q6_K"})
    void allZeroBlock(GgmlType type) {
        float[] x = new float[Math.max(32, type.blockSize())];
        byte[] expected = new byte[(int) type.byteSize(x.length)];
        if (type == GgmlType.Q4_0) {
            // d = max / -8 = 0 / -8 = -0.0 (half 0x8000); every q = (int) (0 + 8.5) = 8
            expected = blockBytes(GgmlType.Q4_0, "0080" + "88".repeat(16));
        } else if (type == GgmlType.Q5_0) {
            // d = 0 / -16 = -0.0; every q = 16: low nibbles 0, every fifth bit set
            expected = blockBytes(GgmlType.Q5_0, "0080" + "ffffffff" + "00".repeat(16));
        }
        byte[] actual = quantize(type, x);
        assertArrayEquals(expected, actual, type + " bytes " + HexFormat.of().formatHex(actual));
        for (float v : dequantize(type, actual, x.length)) {
            assertEquals(0f, v, 0f, type + " decodes a zero block to zeros");
        }
    }

    /** A zero quant times a negative scale is -0.0 in ggml's C (IEEE 754 sign rule); so it is here. */
    @Test
    void zeroQuantWithNegativeScaleDecodesToNegativeZero() {
        // Q4_0: d = -1.0 (half 0xbc00), every nibble 8 -> (8 - 8) * -1.0
        float[] q40 = dequantize(GgmlType.Q4_0, blockBytes(GgmlType.Q4_0, "00bc" + "88".repeat(16)), 32);
        // Q5_0: d = -1.0, every quant 16 (nibble 0, fifth bit set)
        float[] q50 = dequantize(GgmlType.Q5_0, blockBytes(GgmlType.Q5_0, "00bc" + "ffffffff" + "00".repeat(16)), 32);
        for (int i = 0; i < 32; i++) {
            assertEquals(0x80000000, Float.floatToRawIntBits(q40[i]), "Q4_0 [" + i + "]");
            assertEquals(0x80000000, Float.floatToRawIntBits(q50[i]), "Q5_0 [" + i + "]");
        }
    }

    /** One huge value among tiny ones: it survives to within its step, the tiny ones round to about 0. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_K",
            "Q4_K", "Q6_K"})
    void oneHugeValue(GgmlType type) {
        for (float huge : new float[] {1000f, -1000f}) {
            float[] x = QuantizeRoundTripTest.gaussian(256, 1e-3f, 11);
            x[17] = huge; // in the high-nibble half of its 32-block
            float[] y = QuantizeRoundTripTest.roundTrip(type, x);
            double relErr = Math.abs(y[17] - huge) / Math.abs(huge);
            assertTrue(relErr <= QuantizeRoundTripTest.maxRelRmse(type), type + ": huge " + huge + " decoded " + y[17]);
            if (type != GgmlType.Q4_K && type != GgmlType.Q6_K) {
                QuantizeRoundTripTest.assertWithinStepBound(type, x, y);
            }
            for (int i = 0; i < x.length; i++) {
                assertTrue(Float.isFinite(y[i]) && (i == 17 || Math.abs(y[i]) < 0.1 * Math.abs(huge)),
                        type + " [" + i + "] = " + x[i] + " decoded " + y[i]);
            }
        }
    }

    /** Values in [-2, -1]: formats with a min must not clamp it to zero wrongly, signs must survive. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_K",
            "Q4_K", "Q6_K"})
    void negativeOnlyBlocks(GgmlType type) {
        float[] x = QuantizeRoundTripTest.gaussian(512, 1f, 5);
        for (int i = 0; i < x.length; i++) {
            x[i] = -1.5f + 0.5f * (float) Math.tanh(x[i]);
        }
        float[] y = QuantizeRoundTripTest.roundTrip(type, x);
        float[] error = QuantizeRoundTripTest.difference(x, y);
        double relRmse = QuantizeRoundTripTest.rms(error) / QuantizeRoundTripTest.rms(x);
        assertTrue(relRmse <= QuantizeRoundTripTest.maxRelRmse(type), type + ": relative RMSE " + relRmse);
        for (int i = 0; i < y.length; i++) {
            assertTrue(y[i] < 0, type + " [" + i + "] = " + x[i] + " decoded " + y[i]);
        }
        if (type != GgmlType.Q4_K && type != GgmlType.Q6_K) {
            QuantizeRoundTripTest.assertWithinStepBound(type, x, y);
        }
    }

    /** Blocks are independent: block i of a long row equals that block quantized alone. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q8_K", "Q4_K", "Q6_K"})
    void oneBlockAndManyBlocksAgree(GgmlType type) {
        int bs = Math.max(32, type.blockSize());
        int blocks = 24;
        float[] x = QuantizeRoundTripTest.gaussian(bs * blocks, 2f, 9);
        byte[] many = quantize(type, x);
        int blockBytes = (int) type.byteSize(bs);
        assertEquals((long) blockBytes * blocks, many.length);
        for (int b = 0; b < blocks; b++) {
            float[] one = new float[bs];
            System.arraycopy(x, b * bs, one, 0, bs);
            byte[] alone = quantize(type, one);
            byte[] slice = new byte[blockBytes];
            System.arraycopy(many, b * blockBytes, slice, 0, blockBytes);
            assertArrayEquals(alone, slice, type + " block " + b);
        }
    }

    /** Odd offsets everywhere: same bytes, nothing written outside the row, same decoded values. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q8_K", "Q4_K", "Q6_K"})
    void unalignedOffsets(GgmlType type) {
        int n = 2 * Math.max(32, type.blockSize());
        int srcOff = 7;
        long dstOff = 3;
        float[] x = QuantizeRoundTripTest.gaussian(n, 1f, 13);
        float[] shifted = new float[n + srcOff + 5];
        System.arraycopy(x, 0, shifted, srcOff, n);
        byte[] aligned = quantize(type, x);
        float[] expected = dequantize(type, aligned, n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(aligned.length + dstOff + 9);
            seg.fill(SENTINEL);
            Quantize.row(type, shifted, srcOff, seg, dstOff, n);
            assertArrayEquals(aligned, seg.asSlice(dstOff, aligned.length).toArray(ValueLayout.JAVA_BYTE), type.name());
            for (long i = 0; i < seg.byteSize(); i = i + 1 == dstOff ? dstOff + aligned.length : i + 1) {
                assertEquals(SENTINEL, seg.get(ValueLayout.JAVA_BYTE, i), type + " wrote outside its row at " + i);
            }
            float[] out = new float[n + 10];
            Dequantize.row(type, seg, dstOff, out, 5, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(out[5 + i]),
                        type + " [" + i + "]");
            }
            assertEquals(0f, out[4]);
            assertEquals(0f, out[5 + n]);
        }
    }

    /** Q8_0 rounds half away from zero (roundf); worked by hand with amax = 127, so d = 1 exactly. */
    @Test
    void q8_0RoundsHalfAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f;
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.5f;
        x[4] = -0.5f;
        x[5] = 0.49999997f;
        x[31] = -126.5f;
        // d = 127 / 127 = 1 (half 0x3c00); q = 127, 3, -3, 1, -1, 0, ..., -127
        byte[] expected = blockBytes(GgmlType.Q8_0, "003c" + "7f03fd01ff00" + "00".repeat(25) + "81");
        assertArrayEquals(expected, quantize(GgmlType.Q8_0, x));
    }

    /** Q4_0 truncates x / d + 8.5 and clamps at 15; by hand with max = -8 first, so d = 1. */
    @Test
    void q4_0TruncatesAndClamps() {
        float[] x = new float[32];
        x[0] = -8f;     // q = 0
        x[1] = 0.49f;   // 8.99 -> 8
        x[2] = -0.5f;   // 8.0 -> 8
        x[3] = -0.51f;  // 7.99 -> 7
        x[16] = 8f;     // 16.5 -> 16, clamped to 15 (high nibble of byte 0)
        x[17] = 6.5f;   // 15.0 -> 15 (high nibble of byte 1)
        // low nibbles of bytes 4..15 and high nibbles of bytes 2..15 are zeros -> q = 8
        byte[] expected = blockBytes(GgmlType.Q4_0, "003c" + "f0f88887" + "88".repeat(12));
        assertArrayEquals(expected, quantize(GgmlType.Q4_0, x));
    }

    /** Q8_K uses ggml's nearest_int, half to even; by hand with max = -128, iscale = 127/128. */
    @Test
    void q8_KRoundsHalfToEven() {
        float[] x = new float[256];
        for (int j = 0; j < 256; j++) {
            x[j] = j - 128; // x * 127/128 is exact in float; x = +-64 lands on +-63.5
        }
        byte[] block = quantize(GgmlType.Q8_K, x);
        MemorySegment seg = MemorySegment.ofArray(block);
        assertEquals(128f / 127f, seg.get(BlockMath.LE_FLOAT, 0), "d = 1 / (-127 / -128)");
        int[] bsums = new int[16];
        for (int j = 0; j < 256; j++) {
            int q = (int) Math.rint((j - 128) * 127.0 / 128.0); // double rint: round half to even
            assertEquals(q, block[4 + j], "q[" + j + "] for x = " + (j - 128));
            bsums[j / 16] += q;
        }
        assertEquals(-64, block[4 + 64], "x = -64 -> -63.5 -> -64 (even), not -63");
        for (int g = 0; g < 16; g++) {
            assertEquals(bsums[g], seg.get(BlockMath.LE_SHORT, 260 + 2 * g), "bsums[" + g + "]");
        }
    }

    static byte[] blockBytes(GgmlType type, String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        assertEquals(type.bytesPerBlock(), b.length, "hand-written " + type + " block length");
        return b;
    }

    static byte[] quantize(GgmlType type, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = arena.allocate(type.byteSize(x.length));
            q.fill(SENTINEL);
            Quantize.row(type, x, 0, q, 0, x.length);
            return q.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    static float[] dequantize(GgmlType type, byte[] bytes, int n) {
        float[] y = new float[n];
        Dequantize.row(type, MemorySegment.ofArray(bytes), 0, y, 0, n);
        return y;
    }
}
