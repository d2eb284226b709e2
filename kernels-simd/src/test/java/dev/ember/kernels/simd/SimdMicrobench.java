package dev.ember.kernels.simd;

import dev.ember.kernel.Kernels;
import dev.ember.kernel.ScalarKernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;

import java.util.Locale;
import java.util.Random;

/**
 * A quick, JMH-free comparison of scalar and SIMD matvec on one thread (the JMH workbench lives in module
 * bench): for each shape and type, milliseconds per call and weight bytes streamed per second. Not a test;
 * run by hand after {@code mvn test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp &lt;classes, test-classes, runtime jars&gt; \
 *     dev.ember.kernels.simd.SimdMicrobench [types] [matmulBatch]
 * </pre>
 */
public final class SimdMicrobench {
    private SimdMicrobench() {
    }

    /** @param args optional comma-separated types (default F32,F16,Q8_0,Q4_0), optional prefill batch */
    public static void main(String[] args) {
        String types = args.length > 0 ? args[0] : "F32,F16,Q8_0,Q4_0";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        // prefill of a batch repeats the matvec work batch times: the small shape only, to keep the run short
        int[][] shapes = batch > 0 ? new int[][] {{4096, 4096}} : new int[][] {{4096, 4096}, {11008, 4096}};
        System.out.printf("vector bits %d; one thread; %s%n", Species.BITS,
                batch > 0 ? "matmul of " + batch + " tokens (ms per call; GB/s of weights per token)" : "matvec");
        System.out.printf("%-6s %-11s %12s %12s %10s %10s %8s%n", "type", "rows x cols", "scalar ms", "simd ms",
                "scalar GB/s", "simd GB/s", "speedup");
        try (WorkerPool pool = new WorkerPool(1)) {
            Kernels scalar = new ScalarKernels(pool);
            Kernels simd = new SimdKernels(pool);
            Random rng = new Random(1);
            for (String name : types.split(",")) {
                GgmlType type = GgmlType.valueOf(name.trim());
                for (int[] shape : shapes) {
                    Tensor w = SimdKernelsTest.weights(type, shape[0], shape[1], rng);
                    double bytes = (double) w.rowBytes() * shape[0] * Math.max(batch, 1);
                    double s = batch > 0 ? msPerMatmul(scalar, w, batch, rng) : msPerCall(scalar, w, rng);
                    double v = batch > 0 ? msPerMatmul(simd, w, batch, rng) : msPerCall(simd, w, rng);
                    System.out.printf(Locale.ROOT, "%-6s %-11s %12.2f %12.2f %10.2f %10.2f %7.1fx%n", type,
                            shape[0] + "x" + shape[1], s, v, bytes / s / 1e6, bytes / v / 1e6, s / v);
                }
            }
        }
    }

    private static double msPerCall(Kernels k, Tensor w, Random rng) {
        int cols = (int) w.shape().rowLength();
        float[] x = SimdKernelsTest.gaussian(rng, cols);
        float[] y = new float[(int) w.rows()];
        return time(() -> k.matvec(w, x, 0, y, 0));
    }

    private static double msPerMatmul(Kernels k, Tensor w, int batch, Random rng) {
        int cols = (int) w.shape().rowLength();
        float[] x = SimdKernelsTest.gaussian(rng, batch * cols);
        float[] y = new float[batch * (int) w.rows()];
        return time(() -> k.matmul(w, x, batch, y));
    }

    /** @return the median of 5 timings of repeated calls, each at least 300 ms, after 1.5 s of warm-up */
    private static double time(Runnable call) {
        long warm = System.nanoTime();
        while (System.nanoTime() - warm < 1_500_000_000L) {
            call.run();
        }
        double[] ms = new double[5];
        for (int r = 0; r < ms.length; r++) {
            long t0 = System.nanoTime();
            int n = 0;
            do {
                call.run();
                n++;
            } while (System.nanoTime() - t0 < 300_000_000L);
            ms[r] = (System.nanoTime() - t0) / 1e6 / n;
        }
        java.util.Arrays.sort(ms);
        return ms[ms.length / 2];
    }
}
