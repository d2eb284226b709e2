package dev.ember.kernels.simd;

import dev.ember.kernel.ActivationQuantizer;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.quant.RowDot;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The SIMD dot of each weight type, two tables (ggml's {@code type_traits_cpu[t].vec_dot}): the activation
 * side of each pairing is {@link ActivationQuantizer}'s, unchanged; the 32-value block formats' dots
 * ({@link #block}) take it widened ({@link WidenedQ8}), the others ({@link #of}) as ggml's block bytes. Types without a vector dot here (Q2_K
 * and Q3_K, rare in the models Ember targets) use the scalar reference dot of the pairing.
 */
final class Dots {
    private static final Map<GgmlType, RowDot> SIMD = table();
    private static final Map<GgmlType, BlockDot> BLOCK = blockTable();

    private Dots() {
    }

    private static Map<GgmlType, RowDot> table() {
        Map<GgmlType, RowDot> t = new EnumMap<>(GgmlType.class);
        t.put(GgmlType.F32, F32Dot::dot);
        t.put(GgmlType.F16, F16Dot::dot);
        t.put(GgmlType.BF16, BF16Dot::dot);
        t.put(GgmlType.Q4_K, Q4_KDot::dot);
        t.put(GgmlType.Q5_K, Q5_KDot::dot);
        t.put(GgmlType.Q6_K, Q6_KDot::dot);
        return Collections.unmodifiableMap(t);
    }

    private static Map<GgmlType, BlockDot> blockTable() {
        Map<GgmlType, BlockDot> t = new EnumMap<>(GgmlType.class);
        t.put(GgmlType.Q8_0, Q8_0Dot.INSTANCE);
        t.put(GgmlType.Q4_0, Q4_0Dot.INSTANCE);
        t.put(GgmlType.Q4_1, Q4_1Dot.INSTANCE);
        t.put(GgmlType.Q5_0, Q5Dot.Q5_0);
        t.put(GgmlType.Q5_1, Q5Dot.Q5_1);
        return Collections.unmodifiableMap(t);
    }

    /**
     * @return the dot of a 32-value block format, which takes {@link WidenedQ8} activations, or null when
     * {@code weight} is not one
     */
    static BlockDot block(GgmlType weight) {
        return BLOCK.get(weight);
    }

    /** @return the vector dot for weights of {@code p.weight()}, else the pairing's scalar dot */
    static RowDot of(ActivationQuantizer.Pairing p) {
        return SIMD.getOrDefault(p.weight(), p.dot());
    }
}
