package dev.ember.model;

import dev.ember.kernel.Kernels;
import dev.ember.tensor.Tensor;

/** {@code y = x W^T} for a batch: one matrix-vector product when decoding, one weight pass (matmul) in prefill. */
final class Projection {
    private Projection() {
    }

    /** x is (batch, cols), y is (batch, rows) of weight w (rows, cols). */
    static void apply(Kernels kernels, Tensor w, float[] x, int batch, float[] y) {
        if (batch == 1) {
            kernels.matvec(w, x, 0, y, 0);
        } else {
            kernels.matmul(w, x, batch, y);
        }
    }

    /** {@code y[b*n + i] += bias[i]} for b < batch; nothing if bias is null. */
    static void addBias(float[] y, float[] bias, int batch) {
        if (bias == null) {
            return;
        }
        int n = bias.length;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < n; i++) {
                y[b * n + i] += bias[i];
            }
        }
    }
}
