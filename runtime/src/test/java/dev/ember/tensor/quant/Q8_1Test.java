package dev.ember.tensor.quant;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Q8_1, the activation format of Q4_1/Q5_1 dots: ggml's quantize_row_q8_1_ref, checked by hand and against Q8_0. */
class Q8_1Test {
    @Test
    void aHandWorkedBlock() {
        float[] x = new float[32];
        x[0] = 254f;   // amax: d = 2
        x[1] = -63f;   // -31.5 rounds away from zero to -32
        x[2] = 3f;     // 1.5 rounds to 2
        x[3] = 0.9f;   // 0.45 rounds to 0
        MemorySegment b = MemorySegment.ofArray(new byte[Q8_1.BLOCK_BYTES]);
        Q8_1.quantizeRow(x, 0, b, 0, 32);
        assertEquals(2f, F16.get(b, 0), "d");
        assertEquals((127 - 32 + 2) * 2f, F16.get(b, 2), "s = d * sum(q)");
        assertEquals(127, b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 4));
        assertEquals(-32, b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 5));
        assertEquals(2, b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 6));
        assertEquals(0, b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 7));
        float[] back = new float[32];
        Q8_1.dequantizeRow(b, 0, back, 0, 32);
        assertEquals(254f, back[0]);
        assertEquals(-64f, back[1]);
        assertEquals(0f, back[3]);
    }

    @Test
    void sUsesTheFloatScaleNotItsHalfRounding() {
        float[] x = new float[32];
        x[0] = 1f;                     // d = 1/127, which half rounds to 0.0078735...
        for (int j = 1; j < 32; j++) {
            x[j] = 1f;
        }
        MemorySegment b = MemorySegment.ofArray(new byte[Q8_1.BLOCK_BYTES]);
        Q8_1.quantizeRow(x, 0, b, 0, 32);
        // sum(q) = 32 * 127; (32 * 127) * (1f / 127) = 32 exactly, while the half d would give 31.99...
        assertEquals(32f, F16.get(b, 2));
    }

    @Test
    void quantsAndScaleAreQ8_0sAndZeroBlocksStayZero() {
        Random rng = new Random(5);
        float[] x = new float[32 * 9];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextGaussian() * 3);
        }
        java.util.Arrays.fill(x, 64, 96, 0f);
        MemorySegment q81 = MemorySegment.ofArray(new byte[9 * Q8_1.BLOCK_BYTES]);
        MemorySegment q80 = MemorySegment.ofArray(new byte[9 * Q8_0.BLOCK_BYTES]);
        Q8_1.quantizeRow(x, 0, q81, 0, x.length);
        Q8_0.quantizeRow(x, 0, q80, 0, x.length);
        for (int b = 0; b < 9; b++) {
            assertEquals(F16.get(q80, b * 34L), F16.get(q81, b * 36L), "d of block " + b);
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                byte q = q81.get(java.lang.foreign.ValueLayout.JAVA_BYTE, b * 36L + 4 + j);
                assertEquals(q80.get(java.lang.foreign.ValueLayout.JAVA_BYTE, b * 34L + 2 + j), q, "q " + j);
                sum += q;
            }
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * b + j]));
            }
            assertEquals(F16.fromFloat(sum * (amax / 127f)), q81.get(BlockMath.LE_SHORT, b * 36L + 2), "s " + b);
        }
        assertEquals(0f, F16.get(q81, 2 * 36L));
        assertEquals(0f, F16.get(q81, 2 * 36L + 2));
    }

    @Test
    void activationsRoundHalfToEvenWithTheScale127OverAmax() {
        float[] x = new float[64];
        x[0] = 254f;   // d = 2, id = 127/254 = 0.5
        x[1] = -63f;   // -31.5: to even, -32 (as the reference: away from zero)
        x[2] = 3f;     // 1.5: to even, 2
        x[3] = 5f;     // 2.5: to even, 2 (the reference rounds to 3)
        x[4] = -5f;    // -2.5: to even, -2
        x[32] = 1f;    // a block whose values all equal amax
        for (int j = 33; j < 64; j++) {
            x[j] = -1f;
        }
        MemorySegment b = MemorySegment.ofArray(new byte[2 * Q8_1.BLOCK_BYTES]);
        Q8_1.quantizeActivation(x, 0, b, 0, 64);
        int[] expected = {127, -32, 2, 2, -2};
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 4 + j), "q" + j);
        }
        assertEquals(2f, F16.get(b, 0));
        assertEquals((127 - 32 + 2 + 2 - 2) * 2f, F16.get(b, 2));
        assertEquals(F16.fromFloat(1f / 127f), b.get(BlockMath.LE_SHORT, 36));
        assertEquals(F16.fromFloat(-30 * 127 * (1f / 127f)), b.get(BlockMath.LE_SHORT, 38));
        MemorySegment q80 = MemorySegment.ofArray(new byte[2 * Q8_0.BLOCK_BYTES]);
        Q8_0.quantizeActivation(x, 0, q80, 0, 64);
        for (int blk = 0; blk < 2; blk++) {
            assertEquals(F16.get(b, blk * 36L), F16.get(q80, blk * 34L), "Q8_0's d equals Q8_1's");
            for (int j = 0; j < 32; j++) {
                assertEquals(b.get(java.lang.foreign.ValueLayout.JAVA_BYTE, blk * 36L + 4 + j),
                        q80.get(java.lang.foreign.ValueLayout.JAVA_BYTE, blk * 34L + 2 + j), "Q8_0's q equals Q8_1's");
            }
        }
    }
}
