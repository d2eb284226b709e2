package dev.ember.kernels.simd;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.quant.F16;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A batch of Q8_0 or Q8_1 activation rows (as {@code ActivationQuantizer} made them, so the rounding is
 * llama.cpp's) widened once per call: values to shorts, block scales (and Q8_1's {@code s = d * sum}) to
 * floats. The block dots then load activations as ready short vectors: the byte-to-short conversion is paid
 * once per activation value instead of once per weight row, which halves a quantized dot's widening work.
 * Owned by one {@link SimdKernels}; grown on first use, then reused.
 */
final class WidenedQ8 {
    static final int BLOCK = 32;

    /** (batch, cols) activation values. */
    short[] q = new short[0];
    /** (batch, cols / 32) block scales. */
    float[] d = new float[0];
    /**
     * (batch, cols / 32) {@code d * sum(q)}: Q8_1's {@code s} as stored (fp16); for Q8_0 computed here, so that
     * Q4_0 can multiply unsigned nibbles and subtract {@code 8 * dw * s} per block instead of 8 per value.
     */
    float[] s = new float[0];
    /** Values per row. */
    int cols;
    /** Blocks per row. */
    int blocks;

    /**
     * Widens {@code batch} rows of {@code type} blocks ({@code Q8_0}: d, qs[32]; {@code Q8_1}: d, s, qs[32])
     * starting at byte 0 of {@code src}.
     */
    void widen(GgmlType type, MemorySegment src, int cols, int batch) {
        boolean q8_1 = type == GgmlType.Q8_1;
        int header = q8_1 ? 4 : 2;
        int blockBytes = header + BLOCK;
        this.cols = cols;
        this.blocks = cols / BLOCK;
        int values = cols * batch;
        int scales = blocks * batch;
        if (q.length < values) {
            q = new short[Math.max(values, 2 * q.length)];
        }
        if (d.length < scales) {
            d = new float[Math.max(scales, 2 * d.length)];
            s = new float[d.length];
        }
        for (int b = 0; b < scales; b++) {
            long off = (long) b * blockBytes;
            d[b] = F16.get(src, off);
            int base = b * BLOCK;
            int sum = 0;
            for (int j = 0; j < BLOCK; j++) {
                byte v = src.get(ValueLayout.JAVA_BYTE, off + header + j);
                q[base + j] = v;
                sum += v;
            }
            s[b] = q8_1 ? F16.get(src, off + 2) : d[b] * sum;
        }
    }
}
