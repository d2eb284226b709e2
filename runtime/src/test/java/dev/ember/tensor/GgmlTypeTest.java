package dev.ember.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The type table against ggml's spec: ids from {@code enum ggml_type} in {@code ggml.h}, block sizes and
 * bytes from the block structs in {@code ggml-common.h} (the Java counterpart of their
 * {@code static_assert}s). Each size is spelled as the struct's fields, so a wrong number points at the
 * field. ggml_half is 2 bytes, QK_K is 256, K_SCALE_SIZE is 12.
 */
class GgmlTypeTest {
    private static final int HALF = 2;
    private static final int QK_K = 256;

    /** One row of the spec: id, values per block, bytes per block. */
    private record Spec(int id, int blockSize, int bytes) {
    }

    private static Spec spec(GgmlType t) {
        return switch (t) {
            case F32 -> new Spec(0, 1, 4);
            case F16 -> new Spec(1, 1, HALF);
            case Q4_0 -> new Spec(2, 32, HALF + 32 / 2);                          // d, qs[16]
            case Q4_1 -> new Spec(3, 32, HALF + HALF + 32 / 2);                   // d, m, qs[16]
            case Q5_0 -> new Spec(6, 32, HALF + 4 + 32 / 2);                      // d, qh[4], qs[16]
            case Q5_1 -> new Spec(7, 32, HALF + HALF + 4 + 32 / 2);               // d, m, qh[4], qs[16]
            case Q8_0 -> new Spec(8, 32, HALF + 32);                              // d, qs[32]
            case Q8_1 -> new Spec(9, 32, HALF + HALF + 32);                       // d, s, qs[32]
            case Q2_K -> new Spec(10, QK_K, QK_K / 16 + QK_K / 4 + HALF + HALF); // scales, qs, d, dmin
            case Q3_K -> new Spec(11, QK_K, QK_K / 8 + QK_K / 4 + 12 + HALF);    // hmask, qs, scales, d
            case Q4_K -> new Spec(12, QK_K, HALF + HALF + 12 + QK_K / 2);        // d, dmin, scales, qs
            case Q5_K -> new Spec(13, QK_K, HALF + HALF + 12 + QK_K / 8 + QK_K / 2); // d, dmin, scales, qh, qs
            case Q6_K -> new Spec(14, QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + HALF); // ql, qh, scales, d
            case Q8_K -> new Spec(15, QK_K, 4 + QK_K + QK_K / 16 * 2);           // float d, qs, int16 bsums
            case IQ2_XXS -> new Spec(16, QK_K, HALF + QK_K / 8 * 2);             // d, uint16 qs[32]
            case IQ2_XS -> new Spec(17, QK_K, HALF + QK_K / 8 * 2 + QK_K / 32);  // d, uint16 qs, scales
            case IQ3_XXS -> new Spec(18, QK_K, HALF + 3 * (QK_K / 8));           // d, qs[96]
            case IQ1_S -> new Spec(19, QK_K, HALF + QK_K / 8 + QK_K / 32 * 2);   // d, qs, uint16 qh[8]
            case IQ4_NL -> new Spec(20, 32, HALF + 32 / 2);                       // d, qs[16]
            case IQ3_S -> new Spec(21, QK_K, HALF + QK_K / 4 + QK_K / 32 + QK_K / 8 + QK_K / 64); // d qs qh signs sc
            case IQ2_S -> new Spec(22, QK_K, HALF + QK_K / 4 + QK_K / 32 + QK_K / 32); // d, qs, qh, scales
            case IQ4_XS -> new Spec(23, QK_K, HALF + 2 + QK_K / 64 + QK_K / 2);  // d, scales_h, scales_l, qs
            case I8 -> new Spec(24, 1, 1);
            case I16 -> new Spec(25, 1, 2);
            case I32 -> new Spec(26, 1, 4);
            case I64 -> new Spec(27, 1, 8);
            case F64 -> new Spec(28, 1, 8);
            case IQ1_M -> new Spec(29, QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32); // qs, qh, scales (d packed in)
            case BF16 -> new Spec(30, 1, 2);
            case TQ1_0 -> new Spec(34, QK_K, (QK_K - 4 * QK_K / 64) / 5 + QK_K / 64 + HALF); // qs[48], qh[4], d
            case TQ2_0 -> new Spec(35, QK_K, QK_K / 4 + HALF);                   // qs[64], d
            case MXFP4 -> new Spec(39, 32, 1 + 32 / 2);                           // e8m0 e, qs[16]
        };
    }

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void matchesTheGgmlBlockStruct(GgmlType t) {
        Spec s = spec(t);
        assertEquals(s.id(), t.id(), t + " id");
        assertEquals(s.blockSize(), t.blockSize(), t + " block size");
        assertEquals(s.bytes(), t.bytesPerBlock(), t + " bytes per block");
        assertSame(t, GgmlType.fromId(s.id()), "fromId(" + s.id() + ")");
    }

    @Test
    void retiredAndUnknownIdsAreRejected() {
        // 4, 5: Q4_2, Q4_3; 31..33 and 36..38: the removed repacked Q4_0_4_4 .. IQ4_NL_8_8
        for (int id : new int[] {4, 5, 31, 32, 33, 36, 37, 38, -1, 64, 1000}) {
            assertNull(GgmlType.fromId(id), "id " + id);
        }
    }

    @Test
    void byteSizeCountsWholeBlocks() {
        assertEquals(4096L / 32 * 18, GgmlType.Q4_0.byteSize(4096));
        assertEquals(768L / 256 * 210, GgmlType.Q6_K.byteSize(768));
        assertEquals(2L * 7, GgmlType.BF16.byteSize(7));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q4_K.byteSize(255));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q8_0.byteSize(-32));
    }

    @Test
    void quantizedMeansBlocksOfMoreThanOne() {
        Set<GgmlType> plain = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.F64,
                GgmlType.I8, GgmlType.I16, GgmlType.I32, GgmlType.I64);
        for (GgmlType t : GgmlType.values()) {
            assertEquals(!plain.contains(t), t.isQuantized(), t.name());
        }
    }
}
