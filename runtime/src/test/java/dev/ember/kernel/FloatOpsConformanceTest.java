package dev.ember.kernel;

import dev.ember.tensor.quant.F16;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The float ops every {@link Kernels} must compute (rmsnorm, softmax, rope, gated activations, attention),
 * against double-precision oracles written here; and the pools and instances the conformance tests share.
 * Extended through {@link KernelConformanceTest}, which adds the weight ops.
 */
public abstract class FloatOpsConformanceTest {
    /** rmsnorm, softmax, rope, activations: a few float roundings of each value's terms (2^-24 each). */
    static final double MAX_ELEMENTWISE_ERROR = 4e-6;
    /** GELU's result is rounded to half (ggml's table): up to 2^-11 of its value, twice over for safety. */
    static final double GELU_HALF_ROUNDING = 0x1p-10;
    /** attention: score rounding moves the softmax weights by about |score| * 2^-23. */
    static final double MAX_ATTENTION_ERROR = 1e-5;
    /** Thread counts every op runs with; results must not depend on them. */
    static final int[] THREADS = {1, 2, 3};

    private static final Map<Integer, WorkerPool> POOLS = new ConcurrentHashMap<>();
    private static final int[] SIZES = {1, 7, 31, 33, 255, 4096 + 3};

    /** @return a new instance of the kernels under test, splitting work over {@code pool} */
    protected abstract Kernels create(WorkerPool pool);

    /** @return a new instance of the kernels under test on a shared pool of {@code threads} threads */
    protected Kernels kernels(int threads) {
        return create(POOLS.computeIfAbsent(threads, WorkerPool::new));
    }

    @AfterAll
    static void closePools() {
        POOLS.values().forEach(WorkerPool::close);
        POOLS.clear();
    }

    @Test
    void rmsnormMatchesTheOracle() {
        Random rng = new Random(11);
        for (int n : SIZES) {
            for (float eps : new float[] {1e-5f, 1e-6f}) {
                float[] x = KernelOracle.gaussian(rng, n + 4, 2.0);
                float[] weight = KernelOracle.gaussian(rng, n, 1.0);
                double sumSquares = 0;
                for (int i = 0; i < n; i++) {
                    sumSquares += (double) x[3 + i] * x[3 + i];
                }
                double scale = 1 / Math.sqrt(sumSquares / n + eps);
                double[] expected = new double[n];
                double[] magnitude = new double[n];
                for (int i = 0; i < n; i++) {
                    expected[i] = x[3 + i] * scale * weight[i];
                    magnitude[i] = Math.abs(expected[i]);
                }
                float[] out = new float[n + 1];
                kernels(1).rmsnorm(out, 1, x, 3, weight, n, eps);
                Agreement.assertClose("rmsnorm n=" + n + " eps=" + eps, expected, magnitude, out, 1,
                        MAX_ELEMENTWISE_ERROR);
                float[] inPlace = x.clone();
                kernels(1).rmsnorm(inPlace, 3, inPlace, 3, weight, n, eps);
                Agreement.assertIdentical("rmsnorm in place n=" + n, Arrays.copyOfRange(out, 1, n + 1),
                        Arrays.copyOfRange(inPlace, 3, n + 3));
            }
        }
    }

    @Test
    void softmaxMatchesTheOracle() {
        Random rng = new Random(12);
        for (int n : SIZES) {
            for (double base : new double[] {0, 1000}) { // 1000: exp overflows unless the max is subtracted
                float[] x = KernelOracle.gaussian(rng, n + 2, 3.0);
                for (int i = 0; i < x.length; i++) {
                    x[i] += (float) base;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, x[1 + i]);
                }
                double sum = 0;
                double[] expected = new double[n];
                for (int i = 0; i < n; i++) {
                    expected[i] = Math.exp(x[1 + i] - max);
                    sum += expected[i];
                }
                for (int i = 0; i < n; i++) {
                    expected[i] /= sum;
                }
                float before = x[0];
                float after = x[n + 1];
                kernels(1).softmax(x, 1, n);
                Agreement.assertClose("softmax n=" + n + " around " + base, expected, expected, x, 1,
                        MAX_ELEMENTWISE_ERROR);
                assertEquals(before, x[0], "softmax wrote before its range");
                assertEquals(after, x[n + 1], "softmax wrote past its range");
            }
        }
    }

    @Test
    void ropeMatchesTheOracle() {
        Random rng = new Random(13);
        int[][] cases = {{1, 2, 2}, {3, 8, 8}, {4, 64, 64}, {2, 64, 32}, {5, 7 + 1, 4}}; // heads, headSize, ropeDim
        for (int[] c : cases) {
            for (boolean neox : new boolean[] {false, true}) {
                int heads = c[0];
                int headSize = c[1];
                int ropeDim = c[2];
                int tableOff = 3 * ropeDim / 2;
                float[] cos = new float[tableOff + ropeDim / 2];
                float[] sin = new float[cos.length];
                for (int i = 0; i < cos.length; i++) {
                    double angle = rng.nextDouble() * 100;
                    cos[i] = (float) Math.cos(angle);
                    sin[i] = (float) Math.sin(angle);
                }
                int off = 2;
                float[] x = KernelOracle.gaussian(rng, off + heads * headSize + 1, 1.0);
                double[] expected = new double[heads * headSize];
                double[] magnitude = new double[heads * headSize];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = x[off + i];
                    magnitude[i] = Math.abs(x[off + i]);
                }
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < ropeDim / 2; i++) {
                        int i0 = h * headSize + (neox ? i : 2 * i);
                        int i1 = neox ? i0 + ropeDim / 2 : i0 + 1;
                        double x0 = x[off + i0];
                        double x1 = x[off + i1];
                        double cs = cos[tableOff + i];
                        double sn = sin[tableOff + i];
                        expected[i0] = x0 * cs - x1 * sn;
                        expected[i1] = x0 * sn + x1 * cs;
                        magnitude[i0] = Math.abs(x0 * cs) + Math.abs(x1 * sn);
                        magnitude[i1] = Math.abs(x0 * sn) + Math.abs(x1 * cs);
                    }
                }
                float last = x[x.length - 1];
                kernels(1).rope(x, off, heads, headSize, ropeDim, cos, sin, tableOff, neox);
                Agreement.assertClose("rope " + heads + "x" + headSize + " dims " + ropeDim + (neox ? " neox" : ""),
                        expected, magnitude, x, off, MAX_ELEMENTWISE_ERROR);
                assertEquals(last, x[x.length - 1], "rope wrote past its heads");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void gatedActivationMatchesTheOracle(Activation act) {
        Random rng = new Random(14 + act.ordinal());
        for (int n : SIZES) {
            float[] gate = KernelOracle.gaussian(rng, n + 3, 4.0);
            float[] up = KernelOracle.gaussian(rng, n + 3, 1.0);
            gate[2] = n > 1 ? 30f : -30f; // far tails of exp and tanh
            gate[3] = -30f;
            if (n > 4) {
                gate[4] = -10f; // GELU's table ends: 0 at or below -10, x at or above 10
                gate[5] = 10f;
            }
            double[] expected = new double[n];
            double[] magnitude = new double[n];
            for (int i = 0; i < n; i++) {
                double g = gate[2 + i];
                double f = switch (act) {
                    case SILU -> g / (1 + Math.exp(-g));
                    case RELU -> Math.max(g, 0);
                    case GELU -> gelu(g);
                };
                expected[i] = f * up[2 + i];
                // |x * up| bounds every term; GELU adds its two roundings to half (2^-11 of its value each)
                magnitude[i] = Math.abs(g * up[2 + i]) + (act == Activation.GELU
                        ? Math.abs(expected[i]) * GELU_HALF_ROUNDING / MAX_ELEMENTWISE_ERROR : 0);
            }
            float before = gate[1];
            kernels(1).gatedActivation(act, gate, up, 2, n);
            Agreement.assertClose(act + " gated n=" + n, expected, magnitude, gate, 2, MAX_ELEMENTWISE_ERROR);
            assertEquals(before, gate[1], "gated activation wrote before its range");
        }
    }

    /**
     * GELU as ggml-cpu computes it for floats: 0 at or below -10, x at or above 10, and between them the tanh
     * approximation of x rounded to half (ggml's {@code GGML_GELU_FP16} table; its result's own rounding to
     * half is what {@link #GELU_HALF_ROUNDING} allows for).
     */
    static double gelu(double x) {
        if (x <= -10) {
            return 0;
        } else if (x >= 10) {
            return x;
        }
        double h = F16.toFloat(F16.fromFloat((float) x));
        return 0.5 * h * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * h * (1 + 0.044715 * h * h)));
    }

    @Test
    void attentionMatchesTheOracle() {
        Random rng = new Random(15);
        // heads, kvHeads, headSize, positions
        int[][] cases = {{1, 1, 7, 1}, {4, 4, 16, 7}, {8, 2, 64, 33}, {6, 3, 32, 255}, {4, 1, 8, 31}};
        for (int[] c : cases) {
            int heads = c[0];
            int kvHeads = c[1];
            int headSize = c[2];
            int positions = c[3];
            int kvDim = kvHeads * headSize;
            int cacheOff = 3 * kvDim; // the layer's cache starts after another's
            float[] q = KernelOracle.gaussian(rng, 1 + heads * headSize, 1.0);
            float[] keys = KernelOracle.gaussian(rng, cacheOff + (positions + 2) * kvDim, 1.0);
            float[] values = KernelOracle.gaussian(rng, keys.length, 1.0);
            double[] expected = new double[heads * headSize];
            double[] magnitude = new double[heads * headSize];
            for (int h = 0; h < heads; h++) {
                int k = cacheOff + h / (heads / kvHeads) * headSize;
                double[] p = new double[positions];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < positions; t++) {
                    for (int d = 0; d < headSize; d++) {
                        p[t] += (double) q[1 + h * headSize + d] * keys[k + t * kvDim + d];
                    }
                    p[t] /= Math.sqrt(headSize);
                    max = Math.max(max, p[t]);
                }
                double sum = 0;
                for (int t = 0; t < positions; t++) {
                    p[t] = Math.exp(p[t] - max);
                    sum += p[t];
                }
                for (int t = 0; t < positions; t++) {
                    for (int d = 0; d < headSize; d++) {
                        expected[h * headSize + d] += p[t] / sum * values[k + t * kvDim + d];
                        magnitude[h * headSize + d] += p[t] / sum * Math.abs(values[k + t * kvDim + d]);
                    }
                }
            }
            float[] first = null;
            for (int threads : THREADS) {
                float[] out = new float[2 + heads * headSize];
                kernels(threads).attention(q, 1, keys, values, cacheOff, kvDim, heads, kvHeads, headSize, positions,
                        out, 2);
                String what = "attention " + heads + "/" + kvHeads + " heads of " + headSize + " over " + positions
                        + " positions, " + threads + " threads";
                Agreement.assertClose(what, expected, magnitude, out, 2, MAX_ATTENTION_ERROR);
                if (first == null) {
                    first = out;
                } else {
                    Agreement.assertIdentical(what + " vs 1 thread", first, out);
                }
            }
        }
    }
}
