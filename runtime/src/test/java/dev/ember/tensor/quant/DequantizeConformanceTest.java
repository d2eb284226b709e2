package dev.ember.tensor.quant;

import dev.ember.gguf.GgufFile;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Dequantization against llama.cpp: every row in {@code ../shared/reference/dequant} must come out bit
 * for bit. No tolerance is needed for any type: each value is one or two float products (and one
 * subtraction for the types with a min) of the same operands ggml uses, rounded the same way.
 *
 * <p>Zeros are the one exception to comparing bits. The README says the JSON's -0.0s were normalized to
 * +0.0, and indeed it holds no -0.0 at all, so its zeros carry no sign. ggml's C code does produce -0.0
 * where a zero quant meets a negative scale ({@code x0 * d} with x0 = 0, d &lt; 0, in Q4_0, Q5_0, Q3_K,
 * Q6_K), since IEEE 754 gives the product the XOR of the signs; Ember does the same, and
 * {@link QuantizeEdgeCaseTest} pins that sign down. So an expected zero accepts a zero of either sign;
 * every other value must match in all 32 bits.
 */
class DequantizeConformanceTest {

    @TestFactory
    List<DynamicTest> everyReferenceRowIsBitExact() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path json : ReferenceRows.files()) {
            for (ReferenceRows ref : ReferenceRows.load(json)) {
                tests.add(DynamicTest.dynamicTest(ref.file() + " " + ref.tensor() + " (" + ref.type() + ")",
                        () -> assertRowsExact(ref)));
            }
        }
        return tests;
    }

    private static void assertRowsExact(ReferenceRows ref) {
        try (GgufFile gguf = GgufFile.open(ref.model())) {
            Tensor t = gguf.tensor(ref.tensor());
            assertEquals(ref.type(), t.type().name(), ref.tensor() + ": type in the file vs the reference");
            float[] actual = new float[(int) t.shape().rowLength()];
            for (int r = 0; r < ref.rows().size(); r++) {
                Dequantize.row(t, r, actual);
                assertBitsEqual(ref.rows().get(r), actual, ref.file() + " " + ref.tensor() + " row " + r);
            }
        }
    }

    /**
     * Fails naming the first differing value, the number of differences and the largest error; an
     * expected zero matches either zero (see the class comment).
     */
    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        int first = -1;
        int count = 0;
        double maxErr = 0;
        for (int i = 0; i < expected.length; i++) {
            boolean same = expected[i] == 0f ? actual[i] == 0f
                    : Float.floatToRawIntBits(expected[i]) == Float.floatToRawIntBits(actual[i]);
            if (!same) {
                first = first < 0 ? i : first;
                count++;
                maxErr = Math.max(maxErr, Math.abs((double) expected[i] - actual[i]));
            }
        }
        if (count > 0) {
            fail(String.format("%s: %d of %d values differ; first at [%d]: expected %s (0x%08x), got %s (0x%08x);"
                            + " max |error| %.3g", what, count, expected.length, first, expected[first],
                    Float.floatToRawIntBits(expected[first]), actual[first], Float.floatToRawIntBits(actual[first]),
                    maxErr));
        }
    }

    /**
     * The F32 norms (no JSON for them): decoded through the table they must equal an independent
     * little-endian read of the same bytes, be identical in all twelve files (llama-quantize copies F32
     * tensors untouched), and look like the README's 1 + N(0, 0.1) (256 samples: 5 standard errors).
     */
    @Test
    void f32NormsReadCorrectly() {
        String[] norms = {"output_norm.weight", "blk.0.attn_norm.weight", "blk.0.ffn_norm.weight",
                "blk.1.attn_norm.weight", "blk.1.ffn_norm.weight"};
        float[][] first = new float[norms.length][];
        for (Path json : ReferenceRows.files()) {
            try (GgufFile gguf = GgufFile.open(ReferenceRows.load(json).getFirst().model())) {
                for (int k = 0; k < norms.length; k++) {
                    Tensor t = gguf.tensor(norms[k]);
                    assertEquals(GgmlType.F32, t.type(), norms[k]);
                    float[] row = new float[256];
                    Dequantize.row(t, 0, row);
                    FloatBuffer independent = t.data().asByteBuffer()
                            .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                    for (int i = 0; i < 256; i++) {
                        assertEquals(Float.floatToRawIntBits(independent.get(i)), Float.floatToRawIntBits(row[i]),
                                json.getFileName() + " " + norms[k] + " [" + i + "]");
                    }
                    if (first[k] == null) {
                        first[k] = row;
                        assertPlausibleNorm(norms[k], row);
                    } else {
                        assertBitsEqual(first[k], row, json.getFileName() + " " + norms[k] + " vs the first file");
                    }
                }
            }
        }
    }

    private static void assertPlausibleNorm(String name, float[] w) {
        double mean = 0;
        for (float v : w) {
            mean += v / w.length;
        }
        double var = 0;
        for (float v : w) {
            var += (v - mean) * (v - mean) / (w.length - 1);
        }
        assertEquals(1.0, mean, 5 * 0.1 / Math.sqrt(w.length), name + " mean");
        assertEquals(0.1, Math.sqrt(var), 5 * 0.1 / Math.sqrt(2.0 * (w.length - 1)), name + " standard deviation");
    }

    @Test
    void referenceCoversEveryFileFormatTheDecoderClaims() {
        Set<GgmlType> seen = EnumSet.noneOf(GgmlType.class);
        for (Path json : ReferenceRows.files()) {
            for (ReferenceRows ref : ReferenceRows.load(json)) {
                seen.add(GgmlType.valueOf(ref.type()));
            }
        }
        // Q8_K never appears in files and F32 has its own test below: everything else must be covered
        Set<GgmlType> claimed = EnumSet.copyOf(Dequantize.supported());
        claimed.removeAll(EnumSet.of(GgmlType.Q8_K, GgmlType.F32));
        claimed.removeAll(seen);
        assertTrue(claimed.isEmpty(), "no reference rows for " + claimed);
    }
}
