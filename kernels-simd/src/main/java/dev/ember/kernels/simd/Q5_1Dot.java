package dev.ember.kernels.simd;

import dev.ember.tensor.quant.F16;

import java.lang.foreign.MemorySegment;

/**
 * Q5_1 weights times Q8_1 activations, as {@code Q5_1.dot}: per block {@code dw * da * sumi + m * s} in
 * float, blocks added in order (bit for bit the scalar dot). Block layout: {@code d, m} (fp16), {@code qh}
 * (32 bits), {@code qs[16]}; values are {@code nibble | high bit << 4}, unsigned. The integer part is
 * {@link Q5_0Dot#blockSum} with no bias.
 */
final class Q5_1Dot {
    private static final int BLOCK = 32;
    private static final int BYTES = 24;
    private static final int ACT_BYTES = 36;

    private Q5_1Dot() {
    }

    /** The {@link dev.ember.tensor.quant.RowDot} of Q5_1 weights. */
    static float dot(MemorySegment w, long wOff, MemorySegment a, long aOff, int n) {
        float sum = 0f;
        for (int b = 0; b < n / BLOCK; b++) {
            long wb = wOff + (long) b * BYTES;
            long ab = aOff + (long) b * ACT_BYTES;
            int qh = w.get(Blocks.LE_INT, wb + 4);
            int sumi = Q5_0Dot.blockSum(w, wb + 8, qh, (short) 0, a, ab + 4);
            sum += F16.get(w, wb) * F16.get(a, ab) * sumi + F16.get(w, wb + 2) * F16.get(a, ab + 2);
        }
        return sum;
    }
}
