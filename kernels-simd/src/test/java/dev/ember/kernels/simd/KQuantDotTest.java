package dev.ember.kernels.simd;

import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Q4_K;
import dev.ember.tensor.quant.Q5_K;
import dev.ember.tensor.quant.Q6_K;
import dev.ember.tensor.quant.Q8_K;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Vector API K-quant dots ({@link Q4_KDot}, {@link Q5_KDot}, {@link Q6_KDot}) against the scalar oracle
 * ({@link Q4_K#dot} etc.), on seeded random super-blocks and on the K-quant tensors of the shared synth256
 * models, at whatever width {@link Species} chose (surefire runs this class at 256 and at 128 bits).
 *
 * <p>Two checks per dot. The contract: |simd - scalar| <= {@link #MAX_DOT_ERROR_KQUANT} * sum |w_i * a_i|
 * (the float accumulation may legitimately differ). The claim the kernels make in their Javadoc: they keep the
 * scalar code's eight index-class lanes and float order, so the results are also bit-identical; that is
 * asserted separately so a failure says which promise broke.
 *
 * <p>Timing: {@code -Dember.kquant.timing=true} runs {@link #timing()}, which prints one-thread scalar and
 * SIMD times for a 4096 x 4096 matrix of each type (no assertions on speed).
 */
class KQuantDotTest {
    /** Relative error allowed against the sum of |terms|: only float accumulation order may differ. */
    static final double MAX_DOT_ERROR_KQUANT = 1e-5;
    /** Lengths in values: one super-block, two, and a long row. */
    private static final int[] LENGTHS = {256, 512, 768, 4096, 4096 + 256, 11008};
    private static final int TRIALS = 20;

    /** One K-quant format: its block size, its scalar oracle, its SIMD dot and its dequantizer. */
    private record Format(GgmlType type, int blockBytes, DotFn scalar, DotFn simd, Dequant dequant) {
    }

    @FunctionalInterface
    private interface DotFn {
        float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n);
    }

    @FunctionalInterface
    private interface Dequant {
        void row(MemorySegment src, long offset, float[] dst, int dstOff, int n);
    }

    private static final Format Q4K = new Format(GgmlType.Q4_K, Q4_K.BLOCK_BYTES, Q4_K::dot, Q4_KDot::dot,
            Q4_K::dequantizeRow);
    private static final Format Q5K = new Format(GgmlType.Q5_K, Q5_K.BLOCK_BYTES, Q5_K::dot, Q5_KDot::dot,
            Q5_K::dequantizeRow);
    private static final Format Q6K = new Format(GgmlType.Q6_K, Q6_K.BLOCK_BYTES, Q6_K::dot, Q6_KDot::dot,
            Q6_K::dequantizeRow);

    @Test
    void q4KRandomBlocks() {
        randomBlocks(Q4K, 41);
    }

    @Test
    void q5KRandomBlocks() {
        randomBlocks(Q5K, 51);
    }

    @Test
    void q6KRandomBlocks() {
        randomBlocks(Q6K, 61);
    }

    @Test
    void q4KModelTensors() {
        modelTensors(Q4K, "models/synth256-Q4_K_M.gguf");
    }

    @Test
    void q5KModelTensors() {
        modelTensors(Q5K, "models/synth256-Q5_K_M.gguf");
    }

    @Test
    void q6KModelTensors() {
        modelTensors(Q6K, "models/synth256-Q6_K.gguf");
    }

    /** Extreme blocks: every quant and activation at its largest magnitude, the integer sums at their limits. */
    @Test
    void extremeBlocks() {
        for (Format f : List.of(Q4K, Q5K, Q6K)) {
            for (int fill : new int[] {0x00, 0xFF, 0x80, 0x7F}) {
                try (Arena arena = Arena.ofConfined()) {
                    int n = 512;
                    MemorySegment w = arena.allocate((long) f.blockBytes * n / 256);
                    w.fill((byte) fill);
                    setScales(f, w, n / 256, 0.5f, 0.25f);
                    MemorySegment a = arena.allocate((long) Q8_K.BLOCK_BYTES * n / 256);
                    float[] x = new float[n];
                    for (int i = 0; i < n; i++) {
                        x[i] = (i & 1) == 0 ? -1f : 1f; // all quants +-127
                    }
                    Q8_K.quantizeRow(x, 0, a, 0, n);
                    check(f, w, 0, a, 0, n, "extreme fill 0x" + Integer.toHexString(fill));
                }
            }
        }
    }

    private static void randomBlocks(Format f, long seed) {
        Random random = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : LENGTHS) {
                for (int t = 0; t < TRIALS; t++) {
                    int blocks = n / 256;
                    // odd head offsets: the kernels must not assume aligned rows
                    long wOff = random.nextInt(8);
                    MemorySegment w = arena.allocate(wOff + (long) f.blockBytes * blocks);
                    fillRandom(w, random);
                    for (int b = 0; b < blocks; b++) {
                        setScales(f, w.asSlice(wOff + (long) b * f.blockBytes), 1,
                                random.nextFloat() * 0.01f, random.nextFloat() * 0.01f);
                    }
                    float[] x = new float[n];
                    for (int i = 0; i < n; i++) {
                        x[i] = (float) random.nextGaussian() * (t % 3 == 0 ? 100f : 1f);
                    }
                    long aOff = random.nextInt(8);
                    MemorySegment a = arena.allocate(aOff + (long) Q8_K.BLOCK_BYTES * blocks);
                    Q8_K.quantizeRow(x, 0, a, aOff, n);
                    check(f, w, wOff, a, aOff, n, "seed " + seed + " n " + n + " trial " + t);
                }
            }
        }
    }

    private static void modelTensors(Format f, String model) {
        try (GgufFile gguf = GgufFile.open(SharedData.require(model))) {
            List<Tensor> tensors = new ArrayList<>();
            for (Tensor tensor : gguf.tensors().values()) {
                if (tensor.type() == f.type) {
                    tensors.add(tensor);
                }
            }
            assertTrue(!tensors.isEmpty(), model + " has no " + f.type + " tensors");
            Random random = new Random(7);
            int checked = 0;
            try (Arena arena = Arena.ofConfined()) {
                for (Tensor tensor : tensors) {
                    int n = (int) tensor.shape().rowLength();
                    float[] x = new float[n];
                    for (int i = 0; i < n; i++) {
                        x[i] = (float) random.nextGaussian();
                    }
                    MemorySegment a = arena.allocate((long) Q8_K.BLOCK_BYTES * (n / 256));
                    Q8_K.quantizeRow(x, 0, a, 0, n);
                    long rows = tensor.rows();
                    for (long r = 0; r < rows; r += Math.max(1, rows / 16)) {
                        check(f, tensor.row(r), 0, a, 0, n, model + " " + tensor.name() + " row " + r);
                        checked++;
                    }
                }
            }
            assertTrue(checked > 0, "no rows checked in " + model);
        }
    }

    /** Compares the SIMD dot with the oracle: within the tolerance, and (the kernels' claim) bit-identical. */
    private static void check(Format f, MemorySegment w, long wOff, MemorySegment a, long aOff, int n,
                              String what) {
        float expected = f.scalar.dot(w, wOff, a, aOff, n);
        float actual = f.simd.dot(w, wOff, a, aOff, n);
        double scale = sumAbsTerms(f, w, wOff, a, aOff, n);
        double error = Math.abs((double) actual - expected);
        if (!(error <= MAX_DOT_ERROR_KQUANT * scale)) {
            fail(f.type + " dot, " + what + " at " + Species.BITS + " bits: simd " + actual + " scalar " + expected
                    + " error " + error + " > " + MAX_DOT_ERROR_KQUANT + " * sum|terms| " + scale);
        }
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                () -> f.type + " dot, " + what + " at " + Species.BITS + " bits: simd " + actual + " scalar "
                        + expected + " are within tolerance but not bit-identical as the kernel's order promises");
    }

    /** @return sum over i of |w_i * a_i| of the dequantized values, the scale of a dot's rounding error */
    private static double sumAbsTerms(Format f, MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float[] wf = new float[n];
        float[] af = new float[n];
        f.dequant.row(w, wOff, wf, 0, n);
        Q8_K.dequantizeRow(a, aOff, af, 0, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs((double) wf[i] * af[i]);
        }
        return sum;
    }

    private static void fillRandom(MemorySegment seg, Random random) {
        byte[] bytes = new byte[(int) seg.byteSize()];
        random.nextBytes(bytes);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    /** Writes finite fp16 super-scales into every block: random bytes there could be NaN or infinite. */
    private static void setScales(Format f, MemorySegment w, int blocks, float d, float dmin) {
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < blocks; b++) {
            long block = (long) b * f.blockBytes;
            if (f.type == GgmlType.Q6_K) {
                w.set(le, block + 208, Float.floatToFloat16(d));
            } else {
                w.set(le, block, Float.floatToFloat16(d));
                w.set(le, block + 2, Float.floatToFloat16(dmin));
            }
        }
    }

    /** Prints one-thread timings of scalar and SIMD dots over a 4096 x 4096 matrix of each K-quant type. */
    @Test
    @EnabledIfSystemProperty(named = "ember.kquant.timing", matches = "true")
    void timing() {
        for (Format f : List.of(Q4K, Q5K, Q6K)) {
            time(f);
        }
    }

    private static void time(Format f) {
        int n = 4096;
        int rows = 4096;
        long rowBytes = (long) f.blockBytes * n / 256;
        Random random = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(rowBytes * rows, 64);
            fillRandom(w, random);
            setScales(f, w, rows * n / 256, 0.01f, 0.01f);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) random.nextGaussian();
            }
            MemorySegment a = arena.allocate((long) Q8_K.BLOCK_BYTES * n / 256);
            Q8_K.quantizeRow(x, 0, a, 0, n);
            double scalarMs = bestMs(f.scalar, w, rowBytes, rows, a, n, 3);
            double simdMs = bestMs(f.simd, w, rowBytes, rows, a, n, 15);
            double gb = rowBytes * rows / 1e9;
            System.out.printf("%s %dx%d at %d bits, one thread: scalar %.1f ms (%.2f GB/s), simd %.1f ms"
                            + " (%.2f GB/s), speedup %.1fx%n", f.type, rows, n, Species.BITS, scalarMs,
                    gb / (scalarMs / 1e3), simdMs, gb / (simdMs / 1e3), scalarMs / simdMs);
        }
    }

    /** @return the best of {@code reps} timed passes (after as many warm-up passes) over all rows, in ms */
    private static double bestMs(DotFn fn, MemorySegment w, long rowBytes, int rows, MemorySegment a, int n,
                                 int reps) {
        double best = Double.MAX_VALUE;
        float sink = 0f;
        for (int rep = 0; rep < 2 * reps; rep++) {
            long t0 = System.nanoTime();
            for (int r = 0; r < rows; r++) {
                sink += fn.dot(w, r * rowBytes, a, 0, n);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (rep >= reps) {
                best = Math.min(best, ms);
            }
        }
        if (Float.isNaN(sink)) {
            System.out.println("(sink " + sink + ")");
        }
        return best;
    }
}
