package dev.ember.tensor.quant;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two dispatch tables: what they cover, and how they refuse what they do not. */
class DispatchTest {

    @Test
    void tablesCoverTheScalarFormats() {
        assertEquals(EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1,
                GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K,
                GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K), Dequantize.supported());
        assertEquals(EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1,
                GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_K),
                Quantize.supported());
    }

    @Test
    void formatClassesAgreeWithTheTypeTable() {
        int[][] classes = {
            {Q4_0.BLOCK_SIZE, Q4_0.BLOCK_BYTES}, {Q4_1.BLOCK_SIZE, Q4_1.BLOCK_BYTES},
            {Q5_0.BLOCK_SIZE, Q5_0.BLOCK_BYTES}, {Q5_1.BLOCK_SIZE, Q5_1.BLOCK_BYTES},
            {Q8_0.BLOCK_SIZE, Q8_0.BLOCK_BYTES}, {Q2_K.BLOCK_SIZE, Q2_K.BLOCK_BYTES},
            {Q3_K.BLOCK_SIZE, Q3_K.BLOCK_BYTES}, {Q4_K.BLOCK_SIZE, Q4_K.BLOCK_BYTES},
            {Q5_K.BLOCK_SIZE, Q5_K.BLOCK_BYTES}, {Q6_K.BLOCK_SIZE, Q6_K.BLOCK_BYTES},
            {Q8_K.BLOCK_SIZE, Q8_K.BLOCK_BYTES}};
        GgmlType[] types = {GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0,
            GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K};
        for (int i = 0; i < types.length; i++) {
            assertEquals(types[i].blockSize(), classes[i][0], types[i] + " BLOCK_SIZE");
            assertEquals(types[i].bytesPerBlock(), classes[i][1], types[i] + " BLOCK_BYTES");
        }
    }

    @Test
    void unsupportedTypesAreNamedWithTheSupportedList() {
        var e = assertThrows(UnsupportedOperationException.class, () -> Dequantize.of(GgmlType.IQ2_XXS));
        assertTrue(e.getMessage().contains("IQ2_XXS") && e.getMessage().contains("Q6_K"), e.getMessage());
        e = assertThrows(UnsupportedOperationException.class,
                () -> Quantize.row(GgmlType.Q3_K, new float[256], 0, MemorySegment.ofArray(new byte[110]), 0, 256));
        assertTrue(e.getMessage().contains("Q3_K") && e.getMessage().contains("Q4_K"), e.getMessage());
    }

    @Test
    void partialBlocksAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Quantize.row(GgmlType.Q8_0, new float[40], 0, MemorySegment.ofArray(new byte[68]), 0, 40));
        assertTrue(e.getMessage().contains("40") && e.getMessage().contains("32"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Dequantize.row(GgmlType.Q4_K, MemorySegment.ofArray(new byte[144]), 0, new float[300], 0, 300));
    }

    @Test
    void tensorRowsAreBoundsChecked() {
        // 2 rows of 32 Q8_0 values; row 1 holds d = 1 (0x3c00) and q = 5 everywhere
        byte[] bytes = new byte[68];
        bytes[34] = 0x00;
        bytes[35] = 0x3c;
        for (int j = 0; j < 32; j++) {
            bytes[36 + j] = 5;
        }
        Tensor t = new Tensor("w", GgmlType.Q8_0, new Shape(32, 2), MemorySegment.ofArray(bytes));
        float[] row = new float[32];
        Dequantize.row(t, 1, row);
        for (float v : row) {
            assertEquals(5f, v);
        }
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Dequantize.row(t, 2, row));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Dequantize.row(t, 0, new float[31]));
    }
}
