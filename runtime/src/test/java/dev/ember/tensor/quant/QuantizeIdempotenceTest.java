package dev.ember.tensor.quant;

import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Re-quantizing what llama.cpp decodes must give back llama.cpp's bytes, for the formats where the math
 * guarantees it. Why it holds:
 * <ul>
 * <li>F16, BF16: decoding is exact and re-rounding a representable value returns it.
 * <li>Q8_0: the reference quantizer always puts the largest magnitude on q = +-127, so the decoded amax is
 *     127 * d exactly (an 8-bit times an 11-bit significand fits a float), amax / 127 is d exactly, its
 *     half rounding is d, and q * d * fl(1/d) is within a few ulps of q, far from a .5 rounding boundary.
 * <li>Q4_0, Q5_0: the value that set the scale sits on q = 0, decoding to -8d (-16d), the unique largest
 *     magnitude, so d comes back exactly; (q - 8)(1 + tiny) + 8.5 then truncates to q.
 * <li>Q4_1, Q5_1: the min sits on q = 0 and decodes to m exactly; the max on q = 15 (31). The new d differs
 *     from the stored one by float rounding only, far below half an fp16 ulp, so it rounds back to it, and
 *     the levels land within ~1e-6 of integers before the + 0.5 truncation.
 * </ul>
 * Not guaranteed: Q4_K and Q6_K. Their reference search tries a fixed set of candidate scales per
 * sub-block and keeps the best weighted fit. When a decoded sub-block no longer reaches the extreme level
 * (the final re-rounding against the 6- or 8-bit sub-scale moved it), no candidate lands on its grid
 * exactly, the least-squares scale drifts and the sub-scales re-round differently. So only most blocks
 * come back: over all synth256 files, 7806 of 7808 Q4_K blocks and about 81% of 13056 Q6_K blocks. The bounds
 * below still fail on any packing, nibble-order or rounding-rule bug, which breaks nearly every block;
 * exact byte equality for these two is checked against llama-quantize itself by
 * {@link LlamaQuantizeReproductionTest}.
 *
 * <p>Two sources of decoded rows: the JSON rows (llama.cpp's own decoding, nothing of Ember's on the input
 * side) and, for coverage, every row of every tensor of those types decoded by Ember (itself checked
 * bit-exact against the JSON by {@link DequantizeConformanceTest}).
 */
class QuantizeIdempotenceTest {
    private static final Set<GgmlType> IDEMPOTENT = EnumSet.of(GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1);

    @TestFactory
    List<DynamicTest> llamaCppRowsRequantizeToTheFileBytes() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path json : ReferenceRows.files()) {
            for (ReferenceRows ref : ReferenceRows.load(json)) {
                if (IDEMPOTENT.contains(GgmlType.valueOf(ref.type()))) {
                    tests.add(DynamicTest.dynamicTest(ref.file() + " " + ref.tensor(), () -> {
                        try (GgufFile gguf = GgufFile.open(ref.model())) {
                            Tensor t = gguf.tensor(ref.tensor());
                            for (int r = 0; r < ref.rows().size(); r++) {
                                assertRequantizes(t, r, ref.rows().get(r));
                            }
                        }
                    }));
                }
            }
        }
        assertTrue(tests.size() >= 3 * IDEMPOTENT.size(), "expected every idempotent type in the reference");
        return tests;
    }

    @TestFactory
    List<DynamicTest> everyBlockOfTheLegacyFilesRequantizesToItself() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : new String[] {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "F16", "BF16"}) {
            Path model = SharedData.require("models/synth256-" + file + ".gguf");
            tests.add(DynamicTest.dynamicTest(model.getFileName().toString(), () -> {
                int checked = 0;
                try (GgufFile gguf = GgufFile.open(model)) {
                    for (Tensor t : gguf.tensors().values()) {
                        // F16/BF16 files: one matrix is enough, their rule is per value and the rest is slow
                        if (IDEMPOTENT.contains(t.type()) && (t.type().isQuantized() || checked == 0)) {
                            float[] row = new float[(int) t.shape().rowLength()];
                            for (long r = 0; r < t.rows(); r++) {
                                Dequantize.row(t, r, row);
                                assertRequantizes(t, r, row);
                            }
                            checked++;
                        }
                    }
                }
                assertTrue(checked > 0, model + " has no tensor of an idempotent type");
            }));
        }
        return tests;
    }

    /** Fraction of blocks that must re-quantize to themselves (observed: Q4_K 0.9997, Q6_K 0.81). */
    private static final double MIN_SAME_Q4_K = 0.995;
    private static final double MIN_SAME_Q6_K = 0.70;

    @TestFactory
    List<DynamicTest> kQuantBlocksMostlyRequantizeToThemselves() {
        return List.of(
                DynamicTest.dynamicTest("Q4_K", () -> assertMostlySame("Q4_K_M", GgmlType.Q4_K, MIN_SAME_Q4_K)),
                DynamicTest.dynamicTest("Q6_K", () -> assertMostlySame("Q6_K", GgmlType.Q6_K, MIN_SAME_Q6_K)));
    }

    /** Every fourth row of every {@code type} tensor of one file: the search is slow, a sample suffices. */
    private static void assertMostlySame(String file, GgmlType type, double minSame) {
        long blocks = 0;
        long same = 0;
        try (GgufFile gguf = GgufFile.open(SharedData.require("models/synth256-" + file + ".gguf"));
             Arena arena = Arena.ofConfined()) {
            for (Tensor t : gguf.tensors().values()) {
                if (t.type() != type) {
                    continue;
                }
                float[] row = new float[(int) t.shape().rowLength()];
                MemorySegment out = arena.allocate(t.rowBytes());
                long bb = type.bytesPerBlock();
                for (long r = 0; r < t.rows(); r += 4) {
                    Dequantize.row(t, r, row);
                    Quantize.row(type, row, 0, out, 0, row.length);
                    MemorySegment expected = t.row(r);
                    for (long o = 0; o < out.byteSize(); o += bb) {
                        blocks++;
                        same += MemorySegment.mismatch(expected, o, o + bb, out, o, o + bb) < 0 ? 1 : 0;
                    }
                }
            }
        }
        assertTrue(blocks > 1000, type + ": only " + blocks + " blocks sampled from " + file);
        assertTrue(same >= minSame * blocks, String.format("%s: %d of %d blocks (%.4f) re-quantize to themselves,"
                + " expected at least %s", type, same, blocks, (double) same / blocks, minSame));
    }

    private static void assertRequantizes(Tensor t, long r, float[] decoded) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(t.rowBytes());
            Quantize.row(t.type(), decoded, 0, out, 0, decoded.length);
            MemorySegment expected = t.row(r);
            long at = MemorySegment.mismatch(expected, 0, expected.byteSize(), out, 0, out.byteSize());
            if (at >= 0) {
                long block = at / t.type().bytesPerBlock();
                fail(String.format("tensor '%s' (%s) row %d: byte %d (block %d, byte %d in it) is 0x%02x,"
                                + " file has 0x%02x",
                        t.name(), t.type(), r, at, block, at % t.type().bytesPerBlock(),
                        out.get(ValueLayout.JAVA_BYTE, at),
                        expected.get(ValueLayout.JAVA_BYTE, at)));
            }
        }
    }
}
