package dev.ember.kernel;

import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link Kernels} implementation must compute, checked against {@link KernelOracle} (double sums
 * over dequantized weights and the activation converted as llama.cpp converts it) on seeded random inputs of
 * awkward sizes, for every supported weight type and 1, 2 and 3 threads. Kernel modules extend this class
 * (it ships in runtime's test-jar) and supply {@link #create}. The float-op tests live in
 * {@link FloatOpsConformanceTest}'s methods, which this class inherits.
 *
 * <p>Tolerances are relative to the sum of the magnitudes of an output's terms (see {@link Agreement}):
 * they bound float rounding, so a wrong nibble, scale or lane fails by orders of magnitude.
 */
public abstract class KernelConformanceTest extends FloatOpsConformanceTest {
    /** F32, F16, BF16 weights: products rounded to float (exact for F16/BF16), sums in double. */
    static final double MAX_DOT_ERROR_FLOAT = 1e-6;
    /** Block formats: exact integer sums, then one float rounding per block scale and per block sum. */
    static final double MAX_DOT_ERROR_BLOCK = 2e-5;
    /** accumulateRows: y += a_i * row_i in float, one rounding per listed row. */
    static final double MAX_ACCUMULATE_ERROR = 1e-5;
    /**
     * accumulateRows on Q4_0/Q8_0: a provider may sum eight rows at a time in integers, their coefficients a * d
     * rounded to 16 bits against the largest in the window and block (the native kernels, as the fused sparse
     * FFN's down projection does): each within 1/65534 of that largest, so ~2e-5 of the terms' magnitudes.
     */
    static final double MAX_ACCUMULATE_ERROR_WINDOWS = 1e-4;

    /** Weight types the kernels must multiply: every format Ember reads model weights in. */
    static final List<GgmlType> WEIGHT_TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    static double tolerance(GgmlType type) {
        return type.isQuantized() ? MAX_DOT_ERROR_BLOCK : MAX_DOT_ERROR_FLOAT;
    }

    /** (rows, cols) pairs: tails, single blocks, odd block counts, and one long row (4096 + a block). */
    static int[][] shapes(GgmlType type) {
        return switch (type.blockSize()) {
            case 1 -> new int[][] {{1, 1}, {7, 7}, {31, 33}, {33, 255}, {255, 4096 + 3}};
            case 32 -> new int[][] {{1, 32}, {7, 64}, {9, 512}, {33, 288}, {255, 4096 + 32}}; // 512: whole groups of 8 blocks
            default -> new int[][] {{1, 256}, {7, 512}, {33, 768}, {255, 4096 + 256}};
        };
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matvecMatchesTheOracle(GgmlType type) {
        Random rng = new Random(1000 + type.ordinal());
        for (int[] shape : shapes(type)) {
            int rows = shape[0];
            int cols = shape[1];
            Tensor w = KernelOracle.randomWeights(type, rows, cols, rng);
            float[][] deq = KernelOracle.dequantize(w);
            int xOff = 5;
            float[] x = KernelOracle.gaussian(rng, xOff + cols, 1.0);
            if (cols >= 2 * type.blockSize() && type.isQuantized()) {
                Arrays.fill(x, xOff + type.blockSize(), xOff + 2 * type.blockSize(), 0f); // an all-zero block
            }
            KernelOracle.Converted a = KernelOracle.convert(type, x, xOff, cols);
            double[] expected = new double[rows];
            double[] magnitude = new double[rows];
            for (int r = 0; r < rows; r++) {
                double[] dm = KernelOracle.dot(type, w.row(r), deq[r], a);
                expected[r] = dm[0];
                magnitude[r] = dm[1];
            }
            float[] first = null;
            for (int threads : THREADS) {
                float[] y = new float[rows + 6];
                Arrays.fill(y, 42f);
                kernels(threads).matvec(w, x, xOff, y, 3);
                String what = type + " matvec " + rows + "x" + cols + ", " + threads + " threads";
                Agreement.assertClose(what, expected, magnitude, y, 3, tolerance(type));
                assertEquals(42f, y[2], what + ": wrote before yOff");
                assertEquals(42f, y[rows + 3], what + ": wrote past the last row");
                if (first == null) {
                    first = y;
                } else {
                    Agreement.assertIdentical(what + " vs 1 thread", first, y);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matmulMatchesTheOracleForEveryToken(GgmlType type) {
        Random rng = new Random(2000 + type.ordinal());
        int[][] shapes = shapes(type);
        int[][] cases = {{1, 0}, {3, 1}, {17, 2}, {3, shapes.length - 1}}; // (batch, shape index)
        for (int[] c : cases) {
            int batch = c[0];
            int rows = shapes[c[1]][0];
            int cols = shapes[c[1]][1];
            Tensor w = KernelOracle.randomWeights(type, rows, cols, rng);
            float[][] deq = KernelOracle.dequantize(w);
            float[] x = KernelOracle.gaussian(rng, batch * cols, 1.0);
            double[] expected = new double[batch * rows];
            double[] magnitude = new double[batch * rows];
            for (int b = 0; b < batch; b++) {
                KernelOracle.Converted a = KernelOracle.convert(type, x, b * cols, cols);
                for (int r = 0; r < rows; r++) {
                    double[] dm = KernelOracle.dot(type, w.row(r), deq[r], a);
                    expected[b * rows + r] = dm[0];
                    magnitude[b * rows + r] = dm[1];
                }
            }
            float[] first = null;
            for (int threads : THREADS) {
                float[] y = new float[batch * rows];
                kernels(threads).matmul(w, x, batch, y);
                String what = type + " matmul " + rows + "x" + cols + " batch " + batch + ", " + threads + " threads";
                Agreement.assertClose(what, expected, magnitude, y, 0, tolerance(type));
                if (first == null) {
                    first = y;
                } else {
                    Agreement.assertIdentical(what + " vs 1 thread", first, y);
                }
            }
            if (batch == 1) {
                float[] single = new float[rows];
                kernels(1).matvec(w, x, 0, single, 0);
                Agreement.assertIdentical(type + " matmul with batch 1 vs matvec", single, first);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matvecRowsEqualsTheListedRowsOfMatvec(GgmlType type) {
        Random rng = new Random(3000 + type.ordinal());
        int[][] shapes = shapes(type);
        for (int s = 1; s < shapes.length - 1; s++) { // the long row adds nothing to a bit-for-bit comparison
            int rows = shapes[s][0];
            int cols = shapes[s][1];
            Tensor w = KernelOracle.randomWeights(type, rows, cols, rng);
            float[] x = KernelOracle.gaussian(rng, cols + 1, 1.0);
            float[] all = new float[rows];
            kernels(1).matvec(w, x, 1, all, 0);
            int count = rows / 2 + 1;
            int[] ids = new int[count + 3]; // unsorted, with repeats, and entries past count that must be ignored
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i < count ? rng.nextInt(rows) : -1;
            }
            float[] expected = new float[count + 2];
            for (int i = 0; i < count; i++) {
                expected[i] = all[ids[i]];
            }
            expected[count] = 7f;
            expected[count + 1] = 7f;
            for (int threads : THREADS) {
                float[] y = new float[count + 2];
                Arrays.fill(y, 7f);
                kernels(threads).matvecRows(w, ids, count, x, 1, y);
                Agreement.assertIdentical(type + " matvecRows " + count + " of " + rows + "x" + cols + ", "
                        + threads + " threads, vs matvec", expected, y);
            }
        }
    }

    /**
     * sparseFeedForward equals the composition of matvecRows, gatedActivation and accumulateRows (its definition)
     * within 1e-4 of the terms' magnitudes (float rounding, or a fused kernel's 16-bit coefficients), for either
     * activation, with the gate computed or given, and does not depend on the thread count. dim 512: whole groups
     * of eight blocks, the shape a fused kernel may require.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void sparseFeedForwardEqualsItsComposition(GgmlType type) {
        Random rng = new Random(5000 + type.ordinal());
        int neurons = 70;
        int dim = 512;
        Tensor[] ffn = sparseFfnWeights(type, neurons, dim, rng);
        Tensor gate = ffn[0];
        Tensor up = ffn[1];
        Tensor down = ffn[2];
        int[] ids = java.util.stream.IntStream.range(0, neurons).filter(n -> rng.nextInt(3) > 0).toArray();
        int count = ids.length;
        float[] x = KernelOracle.gaussian(rng, dim + 3, 1.0);
        float[] given = KernelOracle.gaussian(rng, count, 2.0);
        for (Activation act : new Activation[] {Activation.SILU, Activation.RELU}) {
            for (boolean gateGiven : new boolean[] {false, true}) {
                float[] eg = gateGiven ? given.clone() : new float[count];
                float[] expected = new float[dim + 2];
                Kernels.composeSparseFeedForward(kernels(1), gate, up, down, act, ids, count, x, 3, gateGiven, eg,
                        new float[count], expected, 1);
                double[] exp = new double[dim];
                double[] magnitude = new double[dim];
                float[][] deq = KernelOracle.dequantize(down);
                for (int j = 0; j < dim; j++) {
                    exp[j] = expected[1 + j];
                    for (int k = 0; k < count; k++) {
                        magnitude[j] += Math.abs((double) eg[k] * deq[ids[k]][j]);
                    }
                }
                // the default chunks, and cuts a frequency-ordered layout would ask for (dense at the front)
                for (int[] cuts : new int[][] {null, {0, 8, 16, 40}}) {
                float[] first = null;
                for (int threads : THREADS) {
                    float[] g = gateGiven ? given.clone() : new float[count];
                    float[] out = new float[dim + 2];
                    Kernels kern = kernels(threads);
                    if (cuts != null) {
                        kern.sparseChunks(gate, cuts);
                    }
                    kern.sparseFeedForward(gate, up, down, act, ids, count, x, 3, gateGiven, g, new float[count], out, 1);
                    String what = type + " sparseFeedForward " + act + (gateGiven ? " gate given" : "") + ", "
                            + threads + " threads" + (cuts == null ? "" : ", cut at " + Arrays.toString(cuts));
                    Agreement.assertClose(what, exp, magnitude, out, 1, 1e-4);
                    for (int k = 0; k < count; k++) {
                        assertEquals(eg[k], g[k], 1e-4 * (1 + Math.abs(eg[k])), what + ": h of neuron " + ids[k]);
                    }
                    assertEquals(0f, out[0], what + ": wrote before outOff");
                    assertEquals(0f, out[dim + 1], what + ": wrote past the output");
                    if (first == null) {
                        first = out;
                    } else {
                        Agreement.assertIdentical(what + " vs 1 thread", first, out);
                    }
                }
                }
            }
        }
    }

    /**
     * @return gate, up and a neuron-major down (row n = neuron n), gaussian: gate and up of {@code type}, down of
     *         the type a model's neuron-major copy has (K-quants are copied to Q8_0, see NeuronMajor)
     */
    private static Tensor[] sparseFfnWeights(GgmlType type, int neurons, int dim, Random rng) {
        Tensor gate = KernelOracle.quantizedGaussian(type, neurons, dim, rng);
        Tensor up = KernelOracle.quantizedGaussian(type, neurons, dim, rng);
        GgmlType downType = type == GgmlType.Q4_K || type == GgmlType.Q6_K ? GgmlType.Q8_0 : type;
        return new Tensor[] {gate, up, KernelOracle.quantizedGaussian(downType, neurons, dim, rng)};
    }

    /**
     * A listed neuron whose h is exactly 0 changes nothing, bit for bit: what ReLU's exact skipping relies on (its
     * run lists only the neurons with a positive gate; running every neuron lists them all). Ids out of
     * ascending order are served too (a fused kernel may need them ascending and fall back to its composition).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void sparseFeedForwardIgnoresNeuronsWithZeroH(GgmlType type) {
        Random rng = new Random(6000 + type.ordinal());
        int neurons = 90;
        int dim = 512;
        Tensor[] ffn = sparseFfnWeights(type, neurons, dim, rng);
        Tensor gate = ffn[0];
        Tensor up = ffn[1];
        Tensor down = ffn[2];
        float[] x = KernelOracle.gaussian(rng, dim, 1.0);
        int[] all = java.util.stream.IntStream.range(0, neurons).toArray();
        for (int threads : THREADS) {
            Kernels k = kernels(threads);
            float[] h = new float[neurons];
            float[] everyNeuron = new float[dim];
            k.sparseFeedForward(gate, up, down, Activation.RELU, all, neurons, x, 0, false, h, new float[neurons],
                    everyNeuron, 0);
            int[] active = java.util.stream.IntStream.range(0, neurons).filter(n -> h[n] != 0f).toArray();
            assertTrue(active.length > neurons / 4 && active.length < neurons,
                    "relu left " + active.length + " active");
            float[] skipping = new float[dim];
            k.sparseFeedForward(gate, up, down, Activation.RELU, active, active.length, x, 0, false,
                    new float[neurons], new float[neurons], skipping, 0);
            Agreement.assertIdentical(type + ", " + threads + " threads: only the active neurons vs all",
                    everyNeuron, skipping);

            int[] reversed = new int[active.length];
            for (int i = 0; i < active.length; i++) {
                reversed[i] = active[active.length - 1 - i];
            }
            float[] backwards = new float[dim];
            k.sparseFeedForward(gate, up, down, Activation.RELU, reversed, reversed.length, x, 0, false,
                    new float[neurons], new float[neurons], backwards, 0);
            float[] composed = new float[dim];
            Kernels.composeSparseFeedForward(k, gate, up, down, Activation.RELU, reversed, reversed.length, x, 0,
                    false, new float[neurons], new float[neurons], composed, 0);
            double[] exp = new double[dim];
            double[] magnitude = new double[dim];
            float[][] deq = KernelOracle.dequantize(down);
            for (int j = 0; j < dim; j++) {
                exp[j] = composed[j];
                for (int n : active) {
                    magnitude[j] += Math.abs((double) h[n] * deq[n][j]);
                }
            }
            Agreement.assertClose(type + ", " + threads + " threads: descending ids", exp, magnitude, backwards, 0,
                    1e-4);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void accumulateRowsMatchesTheOracle(GgmlType type) {
        Random rng = new Random(4000 + type.ordinal());
        for (int[] shape : shapes(type)) {
            int rows = shape[0];
            int cols = shape[1];
            Tensor w = KernelOracle.randomWeights(type, rows, cols, rng);
            float[][] deq = KernelOracle.dequantize(w);
            int count = Math.min(40, rows + 2);
            int[] ids = new int[count];
            for (int i = 0; i < count; i++) {
                ids[i] = rng.nextInt(rows); // repeats allowed: a row listed twice counts twice
            }
            float[] a = KernelOracle.gaussian(rng, count, 1.0);
            int yOff = 2;
            float[] y0 = KernelOracle.gaussian(rng, yOff + cols + 1, 0.5);
            double[] expected = new double[cols];
            double[] magnitude = new double[cols];
            for (int j = 0; j < cols; j++) {
                expected[j] = y0[yOff + j];
                magnitude[j] = Math.abs(y0[yOff + j]);
                for (int i = 0; i < count; i++) {
                    expected[j] += (double) a[i] * deq[ids[i]][j];
                    magnitude[j] += Math.abs((double) a[i] * deq[ids[i]][j]);
                }
            }
            float[] first = null;
            for (int threads : THREADS) {
                float[] y = y0.clone();
                kernels(threads).accumulateRows(w, ids, a, count, y, yOff);
                String what = type + " accumulateRows " + count + " rows of " + rows + "x" + cols + ", " + threads
                        + " threads";
                Agreement.assertClose(what, expected, magnitude, y, yOff, type == GgmlType.Q4_0
                        || type == GgmlType.Q8_0 ? MAX_ACCUMULATE_ERROR_WINDOWS : MAX_ACCUMULATE_ERROR);
                assertEquals(y0[yOff - 1], y[yOff - 1], what + ": wrote before yOff");
                assertEquals(y0[yOff + cols], y[yOff + cols], what + ": wrote past the row");
                if (first == null) {
                    first = y;
                } else {
                    Agreement.assertIdentical(what + " vs 1 thread", first, y);
                }
            }
        }
    }

    @Test
    void theActivationPairingIsGgmls() {
        assertEquals(new TreeMap<>(KernelOracle.VEC_DOT_TYPE).keySet(), ActivationQuantizer.supported());
        for (GgmlType t : WEIGHT_TYPES) {
            assertEquals(KernelOracle.VEC_DOT_TYPE.get(t), ActivationQuantizer.pairing(t).activation(), t.name());
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "F16"})
    void realModelMatvecEqualsMatmulOfOneToken(GgmlType type) {
        // stories260K-q8_0: ffn_gate is Q8_0 (172 rows of 64), ffn_down F16 (64 rows of 172)
        String name = type == GgmlType.Q8_0 ? "blk.0.ffn_gate.weight" : "blk.0.ffn_down.weight";
        try (GgufFile file = GgufFile.open(SharedData.require("models/stories260K-q8_0.gguf"))) {
            Tensor w = file.tensor(name);
            assertEquals(type, w.type(), name);
            int rows = (int) w.rows();
            int cols = (int) w.shape().rowLength();
            float[] x = KernelOracle.gaussian(new Random(7), cols, 1.0);
            float[][] deq = KernelOracle.dequantize(w);
            KernelOracle.Converted a = KernelOracle.convert(w.type(), x, 0, cols);
            double[] expected = new double[rows];
            double[] magnitude = new double[rows];
            for (int r = 0; r < rows; r++) {
                double[] dm = KernelOracle.dot(w.type(), w.row(r), deq[r], a);
                expected[r] = dm[0];
                magnitude[r] = dm[1];
            }
            for (int threads : THREADS) {
                float[] viaMatvec = new float[rows];
                float[] viaMatmul = new float[rows];
                kernels(threads).matvec(w, x, 0, viaMatvec, 0);
                kernels(threads).matmul(w, x, 1, viaMatmul);
                Agreement.assertIdentical(name + " matmul(batch 1) vs matvec, " + threads + " threads",
                        viaMatvec, viaMatmul);
                Agreement.assertClose(name + " matvec", expected, magnitude, viaMatvec, 0, tolerance(type));
            }
        }
    }

    /**
     * For providers whose dots use the scalar reference's integer products and scales but sum them in another
     * order (float lanes): {@code matvec} of {@code type} weights (gaussian values through the reference
     * quantizer) within float rounding of {@link ScalarKernels}, i.e. a few ulps of the sum of the terms'
     * magnitudes. A wrong nibble, bit or scale moves the result by about one term, far more.
     *
     * @param slack how many times the magnitude's 1e-5 to allow: more where a provider sums an offset apart
     *              (Q4_0's 8, the minimums of Q4_1/Q5_1) and the two parts cancel
     */
    protected void assertWithinRoundingOfScalar(GgmlType type, long seed, double slack) {
        Random rng = new Random(seed);
        for (int blocks : new int[] {1, 3, 129}) {
            int cols = blocks * Math.max(32, type.blockSize());
            int rows = 37;
            Tensor w = KernelOracle.quantizedGaussian(type, rows, cols, rng);
            float[] x = KernelOracle.gaussian(rng, cols + 2, 1.0);
            float[] got = new float[rows];
            float[] scalar = new float[rows];
            kernels(1).matvec(w, x, 2, got, 0);
            new ScalarKernels(new WorkerPool(1)).matvec(w, x, 2, scalar, 0);
            float[][] dense = KernelOracle.dequantize(w);
            for (int r = 0; r < rows; r++) {
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    magnitude += Math.abs(dense[r][c] * x[2 + c]);
                }
                assertEquals(scalar[r], got[r], 1e-5 * slack * magnitude,
                        type + " " + cols + " cols, row " + r + ": scalar " + scalar[r] + ", got " + got[r]);
            }
        }
    }

    /**
     * For providers that promise it: each (row, token) dot of {@code matmul} (batches of 2, 5 and 13 on two
     * threads) and of {@code matvecRows} (repeated and unordered ids) equals the one-thread {@code matvec}'s
     * bit for bit, so prefill and decode (and sparse and dense) agree whatever the tiling does to loop order.
     */
    protected void assertEachDotAsMatvec(GgmlType type, int rows, int cols, long seed) {
        Random rng = new Random(seed);
        Tensor w = KernelOracle.quantizedGaussian(type, rows, cols, rng);
        int[] ids = {rows - 1, 0, 7, 7, 13};
        for (int batch : new int[] {2, 5, 13}) {
            float[] x = KernelOracle.gaussian(rng, batch * cols, 1.0);
            float[] y = new float[batch * rows];
            kernels(2).matmul(w, x, batch, y);
            for (int b = 0; b < batch; b++) {
                float[] one = new float[rows];
                kernels(1).matvec(w, x, b * cols, one, 0);
                float[] picked = new float[ids.length];
                kernels(2).matvecRows(w, ids, ids.length, x, b * cols, picked);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToIntBits(one[r]), Float.floatToIntBits(y[b * rows + r]),
                            type + " matmul batch " + batch + " token " + b + " row " + r);
                }
                for (int i = 0; i < ids.length; i++) {
                    assertEquals(Float.floatToIntBits(one[ids[i]]), Float.floatToIntBits(picked[i]),
                            type + " matvecRows token " + b + " row " + ids[i]);
                }
            }
        }
    }
}
