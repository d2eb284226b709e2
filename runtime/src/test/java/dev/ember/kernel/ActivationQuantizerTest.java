package dev.ember.kernel;

import dev.ember.EmberException;
import dev.ember.tensor.GgmlType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The activation conversion writes exactly the bytes llama.cpp's CPU backend would, for every batch row. */
class ActivationQuantizerTest {
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void convertsEveryRowOfABatchToGgmlsBytes(GgmlType weight) {
        Random rng = new Random(31 + weight.ordinal());
        int n = 512;
        int batch = 3;
        float[] x = KernelOracle.gaussian(rng, 7 + batch * n, 1.0);
        // ties for the Q8 conversions: amax 127 makes the multiplier 1, so 2.5 and -0.5 are exact halves
        x[7] = 127f;
        x[8] = 2.5f;
        x[9] = -0.5f;
        ActivationQuantizer quantizer = new ActivationQuantizer();
        ActivationQuantizer.Pairing p = ActivationQuantizer.pairing(weight);
        MemorySegment out = quantizer.quantize(p, x, 7, n, batch);
        long rowBytes = p.activationBytes(n);
        assertEquals(KernelOracle.VEC_DOT_TYPE.get(weight).byteSize(n), rowBytes);
        for (int b = 0; b < batch; b++) {
            MemorySegment expected = KernelOracle.convert(weight, x, 7 + b * n, n).blocks();
            long mismatch = expected.mismatch(out.asSlice(b * rowBytes, rowBytes));
            assertEquals(-1, mismatch, weight + " activation row " + b + ": first differing byte");
        }
        assertSame(out, quantizer.quantize(p, x, 7, n, 1), "a smaller conversion reuses the scratch");
    }

    @Test
    void anUnsupportedWeightTypeIsNamed() {
        EmberException e = assertThrows(EmberException.class, () -> ActivationQuantizer.pairing(GgmlType.IQ2_XS));
        assertTrue(e.getMessage().contains("IQ2_XS") && e.getMessage().contains("Q6_K"), e.getMessage());
    }
}
