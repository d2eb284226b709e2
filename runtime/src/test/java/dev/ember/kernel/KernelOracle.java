package dev.ember.kernel;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.BF16;
import dev.ember.tensor.quant.Dequantize;
import dev.ember.tensor.quant.F16;
import dev.ember.tensor.quant.Q8_1;
import dev.ember.tensor.quant.Quantize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;

/**
 * What a kernel must compute, stated independently of any kernel: random weights in every format, the
 * activation conversion llama.cpp applies (its own copy of ggml's vec_dot_type table), and plain double
 * sums over {@link Dequantize}d values. Kernels are compared to these within named tolerances.
 */
public final class KernelOracle {
    /** ggml-cpu's {@code type_traits_cpu[weight].vec_dot_type}, restated here so the test does not trust the code. */
    public static final Map<GgmlType, GgmlType> VEC_DOT_TYPE = new EnumMap<>(Map.ofEntries(
            Map.entry(GgmlType.F32, GgmlType.F32), Map.entry(GgmlType.F16, GgmlType.F16),
            Map.entry(GgmlType.BF16, GgmlType.BF16), Map.entry(GgmlType.Q4_0, GgmlType.Q8_0),
            Map.entry(GgmlType.Q4_1, GgmlType.Q8_1), Map.entry(GgmlType.Q5_0, GgmlType.Q8_0),
            Map.entry(GgmlType.Q5_1, GgmlType.Q8_1), Map.entry(GgmlType.Q8_0, GgmlType.Q8_0),
            Map.entry(GgmlType.Q2_K, GgmlType.Q8_K), Map.entry(GgmlType.Q3_K, GgmlType.Q8_K),
            Map.entry(GgmlType.Q4_K, GgmlType.Q8_K), Map.entry(GgmlType.Q5_K, GgmlType.Q8_K),
            Map.entry(GgmlType.Q6_K, GgmlType.Q8_K)));

    /** Byte offsets of each block's fp16 scale fields (ggml-common.h), rewritten to sane values after random fill. */
    private static final Map<GgmlType, int[]> HALF_FIELDS = new EnumMap<>(Map.ofEntries(
            Map.entry(GgmlType.Q4_0, new int[] {0}), Map.entry(GgmlType.Q4_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q5_0, new int[] {0}), Map.entry(GgmlType.Q5_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q8_0, new int[] {0}), Map.entry(GgmlType.Q2_K, new int[] {80, 82}),
            Map.entry(GgmlType.Q3_K, new int[] {108}), Map.entry(GgmlType.Q4_K, new int[] {0, 2}),
            Map.entry(GgmlType.Q5_K, new int[] {0, 2}), Map.entry(GgmlType.Q6_K, new int[] {208})));

    private static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private KernelOracle() {
    }

    /**
     * A random (rows, cols) weight of {@code type}: every quant bit random, scales set so that values are of
     * order 0.1 (random sign where the format allows one), minimums where a real quantizer would put them.
     */
    public static Tensor randomWeights(GgmlType type, int rows, int cols, Random rng) {
        long bytes = type.byteSize((long) rows * cols);
        MemorySegment data = Arena.ofAuto().allocate(bytes + 1, 1).asSlice(1, bytes); // misaligned on purpose
        switch (type) {
            case F32 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    data.set(LE_FLOAT, 4 * i, (float) (rng.nextGaussian() * 0.1));
                }
            }
            case F16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    F16.put(data, 2 * i, (float) (rng.nextGaussian() * 0.1));
                }
            }
            case BF16 -> {
                for (long i = 0; i < (long) rows * cols; i++) {
                    BF16.put(data, 2 * i, (float) (rng.nextGaussian() * 0.1));
                }
            }
            default -> {
                byte[] random = new byte[(int) bytes];
                rng.nextBytes(random);
                MemorySegment.copy(MemorySegment.ofArray(random), 0, data, 0, bytes);
                for (long block = 0; block < bytes; block += type.bytesPerBlock()) {
                    setScales(type, data, block, rng);
                }
            }
        }
        return new Tensor("random." + type, type, new Shape(cols, rows), data);
    }

    private static void setScales(GgmlType type, MemorySegment data, long block, Random rng) {
        int[] fields = HALF_FIELDS.get(type);
        float sign = rng.nextBoolean() ? 1f : -1f;
        float u = 0.5f + rng.nextFloat();
        switch (type) {
            // value = d * (q - 8), d * (q - 16), d * q: about 0.1 at a typical level
            case Q4_0 -> F16.put(data, block + fields[0], sign * u * 0.02f);
            case Q5_0 -> F16.put(data, block + fields[0], sign * u * 0.01f);
            case Q8_0 -> F16.put(data, block + fields[0], sign * u * 0.002f);
            // value = d * q + m with the minimum below zero, as for a centred block
            case Q4_1, Q5_1 -> {
                float d = u * (type == GgmlType.Q4_1 ? 0.02f : 0.01f);
                float halfRange = type == GgmlType.Q4_1 ? 7.5f : 15.5f;
                F16.put(data, block + fields[0], d);
                F16.put(data, block + fields[1], -d * halfRange * (0.5f + rng.nextFloat()));
            }
            // value = d * sc * q - dmin * m with 4- or 6-bit sc and m
            case Q2_K, Q4_K, Q5_K -> {
                float d = u * (type == GgmlType.Q2_K ? 0.01f : 0.0005f);
                F16.put(data, block + fields[0], d);
                F16.put(data, block + fields[1], d * (0.2f + rng.nextFloat()));
            }
            case Q3_K -> F16.put(data, block + fields[0], sign * u * 0.001f);
            case Q6_K -> F16.put(data, block + fields[0], sign * u * 0.0001f);
            default -> throw new AssertionError("no scales for " + type);
        }
    }

    /** @return every row of {@code w}, decoded by the reference {@link Dequantize} */
    public static float[][] dequantize(Tensor w) {
        int rows = (int) w.rows();
        float[][] out = new float[rows][(int) w.shape().rowLength()];
        for (int r = 0; r < rows; r++) {
            Dequantize.row(w, r, out[r]);
        }
        return out;
    }

    /** An activation vector after llama.cpp's conversion: its decoded values and, for Q8_1, its blocks. */
    public record Converted(float[] values, MemorySegment blocks) {
    }

    /**
     * Converts {@code x[off .. off+n)} to the vec-dot type of {@code weight} as llama.cpp's CPU backend does
     * on x86: Q8_K, F16, BF16 with the reference quantizers; Q8_0 and Q8_1 as its AVX code, restated in
     * {@link #cpuQ8}.
     */
    public static Converted convert(GgmlType weight, float[] x, int off, int n) {
        GgmlType t = VEC_DOT_TYPE.get(weight);
        MemorySegment blocks = MemorySegment.ofArray(new byte[(int) t.byteSize(n)]);
        float[] values = new float[n];
        if (t == GgmlType.Q8_0 || t == GgmlType.Q8_1) {
            cpuQ8(x, off, n, blocks, t == GgmlType.Q8_1);
            if (t == GgmlType.Q8_1) { // not in the reference tables: ggml never stores it in files
                Q8_1.dequantizeRow(blocks, 0, values, 0, n);
            } else {
                Dequantize.row(t, blocks, 0, values, 0, n);
            }
        } else {
            Quantize.row(t, x, off, blocks, 0, n);
            Dequantize.row(t, blocks, 0, values, 0, n);
        }
        return new Converted(values, blocks);
    }

    /**
     * ggml-cpu x86 {@code quantize_row_q8_0} / {@code quantize_row_q8_1}: per 32 values d = amax / 127 (stored
     * as half), q = x * (127 / amax) rounded half to even; Q8_1 adds s = half(d * sum(q)) after d.
     */
    static void cpuQ8(float[] x, int off, int n, MemorySegment out, boolean withSum) {
        int header = withSum ? 4 : 2;
        for (int b = 0; b < n / 32; b++) {
            long block = (long) b * (header + 32);
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[off + 32 * b + j]));
            }
            float d = amax / 127f;
            float id = amax == 0f ? 0f : 127f / amax;
            F16.put(out, block, d);
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                int q = (int) Math.rint(x[off + 32 * b + j] * id);
                out.set(ValueLayout.JAVA_BYTE, block + header + j, (byte) q);
                sum += q;
            }
            if (withSum) {
                F16.put(out, block + 2, d * sum);
            }
        }
    }

    /**
     * The dot of one weight row with a converted activation, in double: sum of w_j * a_j, plus, for the
     * Q8_1 pairings, ggml's one approximation: the minimum's share uses the block's stored s (rounded to
     * half) instead of the exact d * sum(q). {@code [0]} is the value, {@code [1]} the sum of the terms'
     * magnitudes that tolerances scale with.
     */
    public static double[] dot(GgmlType weight, MemorySegment weightRow, float[] w, Converted a) {
        double sum = 0;
        double mag = 0;
        for (int j = 0; j < w.length; j++) {
            double t = (double) w[j] * a.values()[j];
            sum += t;
            mag += Math.abs(t);
        }
        if (VEC_DOT_TYPE.get(weight) == GgmlType.Q8_1) {
            for (int b = 0; b < w.length / 32; b++) {
                double m = F16.get(weightRow, (long) b * weight.bytesPerBlock() + 2);
                double s = F16.get(a.blocks(), b * 36L + 2);
                double exact = 0;
                for (int j = 0; j < 32; j++) {
                    exact += a.values()[32 * b + j];
                }
                sum += m * (s - exact);
                mag += Math.abs(m * s);
            }
        }
        return new double[] {sum, mag};
    }

    /**
     * A (rows, cols) weight of {@code type} as a model has them: N(0, 1) values through the reference quantizer
     * ({@code Quantize.row}), 64-byte aligned off-heap.
     */
    public static Tensor quantizedGaussian(GgmlType type, int rows, int cols, Random rng) {
        long rowBytes = type.byteSize(cols);
        MemorySegment data = Arena.ofAuto().allocate(rowBytes * rows, 64);
        for (int r = 0; r < rows; r++) {
            Quantize.row(type, gaussian(rng, cols, 1.0), 0, data, r * rowBytes, cols);
        }
        return new Tensor("w", type, new Shape(cols, rows), data);
    }

    /** @return {@code n} random N(0, sigma) floats */
    public static float[] gaussian(Random rng, int n, double sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rng.nextGaussian() * sigma);
        }
        return x;
    }
}
