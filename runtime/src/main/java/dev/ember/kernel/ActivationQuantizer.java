package dev.ember.kernel;

import dev.ember.EmberException;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.quant.BF16;
import dev.ember.tensor.quant.F16;
import dev.ember.tensor.quant.F32;
import dev.ember.tensor.quant.Q2_K;
import dev.ember.tensor.quant.Q3_K;
import dev.ember.tensor.quant.Q4_0;
import dev.ember.tensor.quant.Q4_1;
import dev.ember.tensor.quant.Q4_K;
import dev.ember.tensor.quant.Q5_0;
import dev.ember.tensor.quant.Q5_1;
import dev.ember.tensor.quant.Q5_K;
import dev.ember.tensor.quant.Q6_K;
import dev.ember.tensor.quant.Q8_0;
import dev.ember.tensor.quant.Q8_1;
import dev.ember.tensor.quant.Q8_K;
import dev.ember.tensor.quant.RowDot;
import dev.ember.tensor.quant.RowQuantizer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * Converts activations to the format a weight type is multiplied with, as llama.cpp's CPU backend does:
 * each weight type names a vec-dot type (ggml's {@code type_traits_cpu[t].vec_dot_type}), the activation
 * is converted to it once per matvec or matmul, and each weight row is then dotted block by block with it,
 * in integers for the quantized formats. Doing the same is what makes Ember's logits match llama.cpp's.
 *
 * <p>The pairing is one table, {@link #pairing}; an instance owns the scratch the converted activations
 * live in (ggml's block bytes exactly, 64-byte aligned, off-heap), grown on first use and then reused.
 *
 * <pre>
 * ActivationQuantizer.Pairing p = ActivationQuantizer.pairing(w.type());  // Q4_K -> Q8_K, Q4_K::dot
 * MemorySegment xq = quantizer.quantize(p, x, xOff, cols, 1);             // once per matvec
 * for (row ...) y[row] = p.dot().dot(w.data(), row * w.rowBytes(), xq, 0, cols);
 * </pre>
 *
 * An instance is not thread-safe: it belongs to one {@link Kernels} instance, like the rest of its scratch.
 */
public final class ActivationQuantizer {
    /**
     * One row of the table.
     *
     * @param weight     the weight type
     * @param activation the type the activation is converted to (ggml's vec_dot_type)
     * @param quantizer  converts floats to {@code activation} blocks as ggml-cpu's {@code from_float} does on
     *                   x86: Q8_0/Q8_1 as its AVX code (round half to even, {@code quantizeActivation}), Q8_K
     *                   as {@code quantize_row_q8_K_ref}, F16/BF16 rounded to nearest even, F32 copied
     * @param dot        the scalar dot of a weight row with a converted activation (the reference kernel)
     */
    public record Pairing(GgmlType weight, GgmlType activation, RowQuantizer quantizer, RowDot dot) {
        /** @return bytes of one converted activation row of {@code n} values */
        public long activationBytes(int n) {
            return activation.byteSize(n);
        }
    }

    private static final Map<GgmlType, Pairing> TABLE = table();

    private MemorySegment scratch = MemorySegment.NULL;

    private static Map<GgmlType, Pairing> table() {
        Map<GgmlType, Pairing> t = new EnumMap<>(GgmlType.class);
        put(t, GgmlType.F32, GgmlType.F32, F32::quantizeRow, F32::dot);
        put(t, GgmlType.F16, GgmlType.F16, F16::quantizeRow, F16::dot);
        put(t, GgmlType.BF16, GgmlType.BF16, BF16::quantizeRow, BF16::dot);
        put(t, GgmlType.Q4_0, GgmlType.Q8_0, Q8_0::quantizeActivation, Q4_0::dot);
        put(t, GgmlType.Q4_1, GgmlType.Q8_1, Q8_1::quantizeActivation, Q4_1::dot);
        put(t, GgmlType.Q5_0, GgmlType.Q8_0, Q8_0::quantizeActivation, Q5_0::dot);
        put(t, GgmlType.Q5_1, GgmlType.Q8_1, Q8_1::quantizeActivation, Q5_1::dot);
        put(t, GgmlType.Q8_0, GgmlType.Q8_0, Q8_0::quantizeActivation, Q8_0::dot);
        put(t, GgmlType.Q2_K, GgmlType.Q8_K, Q8_K::quantizeRow, Q2_K::dot);
        put(t, GgmlType.Q3_K, GgmlType.Q8_K, Q8_K::quantizeRow, Q3_K::dot);
        put(t, GgmlType.Q4_K, GgmlType.Q8_K, Q8_K::quantizeRow, Q4_K::dot);
        put(t, GgmlType.Q5_K, GgmlType.Q8_K, Q8_K::quantizeRow, Q5_K::dot);
        put(t, GgmlType.Q6_K, GgmlType.Q8_K, Q8_K::quantizeRow, Q6_K::dot);
        return Collections.unmodifiableMap(t);
    }

    private static void put(Map<GgmlType, Pairing> t, GgmlType weight, GgmlType activation,
                            RowQuantizer quantizer, RowDot dot) {
        t.put(weight, new Pairing(weight, activation, quantizer, dot));
    }

    /** @return the weight types that can be multiplied, in id order */
    public static Set<GgmlType> supported() {
        return TABLE.keySet();
    }

    /**
     * @return the pairing for weights of {@code type}
     * @throws EmberException naming the type and the supported ones
     */
    public static Pairing pairing(GgmlType type) {
        Pairing p = TABLE.get(type);
        if (p == null) {
            throw new EmberException("no kernel multiplies " + type + " weights (supported: " + supported() + ")");
        }
        return p;
    }

    /**
     * Converts {@code batch} activation vectors of {@code n} values, vector b read from
     * {@code x[xOff + b*n ..]}, into this instance's scratch, vector b at byte {@code b * p.activationBytes(n)}.
     * The returned segment stays valid (and is overwritten) until the next call.
     *
     * @param n a multiple of the activation type's block size (it is, when n is a weight row length)
     * @return the scratch holding the converted activations
     */
    public MemorySegment quantize(Pairing p, float[] x, int xOff, int n, int batch) {
        long rowBytes = p.activationBytes(n);
        MemorySegment dst = scratch(rowBytes * batch);
        for (int b = 0; b < batch; b++) {
            p.quantizer().quantizeRow(x, xOff + b * n, dst, b * rowBytes, n);
        }
        return dst;
    }

    private MemorySegment scratch(long bytes) {
        if (scratch.byteSize() < bytes) {
            // freed by the GC with this instance; 64-byte aligned for vector loads
            scratch = Arena.ofAuto().allocate(bytes, 64);
        }
        return scratch;
    }
}
