package dev.ember.kernel;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference kernels pass the conformance suite, plus what only the reference promises. */
class ScalarKernelsTest extends KernelConformanceTest {
    @Override
    protected Kernels create(WorkerPool pool) {
        return new ScalarKernels(pool);
    }

    @Test
    void matmulComputesEachTokenExactlyAsMatvec() {
        // as ggml: the batch changes the loop order, never the arithmetic, so prefill and decode agree bit for bit
        Random rng = new Random(21);
        for (GgmlType type : WEIGHT_TYPES) {
            int cols = 2 * Math.max(32, type.blockSize());
            Tensor w = KernelOracle.randomWeights(type, 9, cols, rng);
            int batch = 5;
            float[] x = KernelOracle.gaussian(rng, batch * cols, 1.0);
            float[] y = new float[batch * 9];
            kernels(2).matmul(w, x, batch, y);
            for (int b = 0; b < batch; b++) {
                float[] one = new float[9];
                kernels(1).matvec(w, x, b * cols, one, 0);
                Agreement.assertIdentical(type + " token " + b, one, Arrays.copyOfRange(y, b * 9, b * 9 + 9));
            }
        }
    }

    @Test
    void warmCallsAllocateNothing() throws Throwable {
        Random rng = new Random(22);
        Tensor q4k = KernelOracle.randomWeights(GgmlType.Q4_K, 96, 512, rng);   // big enough to go parallel
        Tensor q41 = KernelOracle.randomWeights(GgmlType.Q4_1, 96, 512, rng);
        float[] x = KernelOracle.gaussian(rng, 3 * 512, 1.0);
        float[] y = new float[3 * 96];
        float[] weight = KernelOracle.gaussian(rng, 512, 1.0);
        float[] cache = KernelOracle.gaussian(rng, 64 * 128, 1.0);
        float[] out = new float[512];
        float[] table = KernelOracle.gaussian(rng, 64, 1.0);
        int[] ids = {5, 1, 90, 7, 7};
        float[] a = {0.5f, -1f, 2f, 0.25f, 1f};
        Kernels k = kernels(2);
        Runnable step = () -> {
            k.matvec(q4k, x, 0, y, 0);
            k.matmul(q41, x, 3, y);
            k.matvecRows(q4k, ids, ids.length, x, 0, y);
            k.accumulateRows(q41, ids, a, ids.length, out, 0);
            k.rmsnorm(out, 0, x, 0, weight, 512, 1e-5f);
            k.softmax(out, 0, 512);
            k.rope(out, 0, 8, 64, 64, table, table, 0, false);
            k.gatedActivation(Activation.SILU, out, x, 0, 512);
            k.attention(x, 0, cache, cache, 0, 128, 8, 2, 64, 64, out, 0);
        };
        for (int i = 0; i < 1000; i++) {
            step.run();
        }
        MethodHandle allocated = allocatedBytes();
        long before = (long) allocated.invokeExact();
        for (int i = 0; i < 100; i++) {
            step.run();
        }
        long bytes = (long) allocated.invokeExact() - before;
        // a single allocation per call would be 100 x 16 bytes at least; the probe itself may cost a few bytes
        assertTrue(bytes < 100, bytes + " bytes allocated by 100 warm steps");
    }

    /**
     * {@code ManagementFactory.getThreadMXBean().getCurrentThreadAllocatedBytes()}, found reflectively:
     * runtime's module descriptor (which test compilation is patched into) does not read java.management.
     */
    private static MethodHandle allocatedBytes() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        Class<?> api = Class.forName("com.sun.management.ThreadMXBean");
        return MethodHandles.publicLookup().findVirtual(api, "getCurrentThreadAllocatedBytes",
                MethodType.methodType(long.class)).bindTo(bean);
    }
}
