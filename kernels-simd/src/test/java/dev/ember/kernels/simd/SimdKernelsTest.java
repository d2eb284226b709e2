package dev.ember.kernels.simd;

import dev.ember.kernel.Activation;
import dev.ember.kernel.KernelConformanceTest;
import dev.ember.kernel.KernelOracle;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SIMD kernels pass the conformance suite against the double-precision oracle. Surefire runs this class
 * twice: at the platform's preferred width and with {@code -Dember.vectorBits=128}. Plus what only these
 * kernels promise: block-format dots within float rounding of the scalar reference, prefill equal to decode
 * bit for bit, and no allocation once warm.
 */
class SimdKernelsTest extends KernelConformanceTest {
    @Override
    protected Kernels create(WorkerPool pool) {
        return new SimdKernels(pool);
    }

    @Test
    void theChosenWidthIsTheRequestedOne() {
        String forced = System.getProperty("ember.vectorBits");
        if (forced != null) {
            assertEquals(Integer.parseInt(forced), Species.BITS);
        }
        assertTrue(Species.BITS >= 128, Species.BITS + " bits");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void blockFormatsAgreeWithTheScalarReference(GgmlType type) {
        // same integer products and scales as the scalar dot, summed in float lanes instead of block by block;
        // the unsigned formats' minimums and Q4_0's offset of 8 are summed apart: up to 4x the magnitude
        assertWithinRoundingOfScalar(type, 31 + type.ordinal(), 4);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q4_K", "Q6_K"}) // Q5_K: the reference has no quantizer to make weights with
    void matmulAndMatvecRowsComputeEachDotExactlyAsMatvec(GgmlType type) {
        assertEachDotAsMatvec(type, 19, 3 * Math.max(32, type.blockSize()), 41 + type.ordinal());
    }

    @Test
    void warmCallsAllocateNothing() {
        Random rng = new Random(22);
        // the K-quant dots are another class's, checked by their own tests
        Tensor q4 = weights(GgmlType.Q4_0, 96, 512, rng);   // big enough to go parallel
        Tensor q8 = weights(GgmlType.Q8_0, 96, 512, rng);
        Tensor f16 = weights(GgmlType.F16, 96, 512, rng);
        Tensor bf16 = weights(GgmlType.BF16, 96, 512, rng);
        Tensor f32 = weights(GgmlType.F32, 96, 512, rng);
        float[] x = gaussian(rng, 16 * 512);
        float[] y = new float[16 * 96];
        float[] weight = gaussian(rng, 512);
        float[] cache = gaussian(rng, 64 * 128);
        float[] out = new float[512];
        float[] table = gaussian(rng, 64);
        int[] ids = {5, 1, 90, 7, 7};
        float[] a = {0.5f, -1f, 2f, 0.25f, 1f};
        Kernels k = kernels(2);
        Map<String, Runnable> ops = new LinkedHashMap<>();
        ops.put("matvec F16", () -> k.matvec(f16, x, 0, y, 0));
        ops.put("matvec BF16", () -> k.matvec(bf16, x, 0, y, 0));
        ops.put("matvec F32", () -> k.matvec(f32, x, 0, y, 0));
        ops.put("matvec Q8_0", () -> k.matvec(q8, x, 0, y, 0));
        ops.put("matmul Q4_0", () -> k.matmul(q4, x, 16, y));
        ops.put("matvecRows Q4_0", () -> k.matvecRows(q4, ids, ids.length, x, 0, y));
        ops.put("accumulateRows Q4_0", () -> k.accumulateRows(q4, ids, a, ids.length, out, 0));
        ops.put("rmsnorm", () -> k.rmsnorm(out, 0, x, 0, weight, 512, 1e-5f));
        ops.put("softmax", () -> k.softmax(out, 0, 512));
        ops.put("rope", () -> k.rope(out, 0, 8, 64, 64, table, table, 0, true));
        ops.put("gatedActivation", () -> k.gatedActivation(Activation.SILU, out, x, 0, 512));
        ops.put("attention", () -> k.attention(x, 0, cache, cache, 0, 128, 8, 2, 64, 64, out, 0));
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // "warm" means C2 has compiled (and so scalar-replaced) every vector op, which takes a few thousand calls
        // of each; until then the interpreter and C1 box every vector. Each op is measured alone, after each
        // round of warm-up of all of them (so that every call site sees every type, as in a model).
        Map<String, Long> allocated = new LinkedHashMap<>();
        for (int round = 0; round < 20 && (round == 0 || !allocated.isEmpty()); round++) {
            for (int i = 0; i < 1000; i++) {
                ops.values().forEach(Runnable::run);
            }
            allocated.clear();
            for (Map.Entry<String, Runnable> op : ops.entrySet()) {
                long before = bean.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 100; i++) {
                    op.getValue().run();
                }
                long bytes = bean.getCurrentThreadAllocatedBytes() - before;
                // one allocation per call would be 100 x 16 bytes at least; the probe itself may cost a few bytes
                if (bytes >= 100) {
                    allocated.put(op.getKey(), bytes);
                }
            }
        }
        assertTrue(allocated.isEmpty(), "bytes allocated by 100 warm calls: " + allocated);
    }

    static Tensor weights(GgmlType type, int rows, int cols, Random rng) {
        return KernelOracle.quantizedGaussian(type, rows, cols, rng);
    }

    static float[] gaussian(Random rng, int n) {
        return KernelOracle.gaussian(rng, n, 1.0);
    }
}
