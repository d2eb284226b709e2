package dev.ember.sparsity;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Quantize;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** Off-heap weight matrices made from floats, for predictors (kept for the life of the model). */
public final class Matrices {
    private Matrices() {
    }

    /** @return Q8_0 when rows of {@code cols} values are whole Q8_0 blocks, else F32 */
    public static GgmlType typeFor(int cols) {
        return cols % 32 == 0 ? GgmlType.Q8_0 : GgmlType.F32;
    }

    /** @return rows x cols (row-major floats) as a tensor of {@link #typeFor(int)} */
    public static Tensor of(String name, float[] rowMajor, int rows, int cols) {
        GgmlType type = typeFor(cols);
        long rowBytes = type.byteSize(cols);
        MemorySegment data = Arena.ofAuto().allocate(rowBytes * rows, 64);
        for (int r = 0; r < rows; r++) {
            Quantize.row(type, rowMajor, r * cols, data, r * rowBytes, cols);
        }
        return new Tensor(name, type, new Shape(cols, rows), data);
    }

    /** @return a rows x cols tensor of uniform random values in [-scale, scale) */
    static Tensor random(String name, int rows, int cols, float scale, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return of(name, v, rows, cols);
    }

    /** @return the rows x cols row-major matrix m transposed (cols x rows) */
    public static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
