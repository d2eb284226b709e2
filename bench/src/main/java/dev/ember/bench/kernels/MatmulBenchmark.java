package dev.ember.bench.kernels;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Prefill's matrix product {@code Y = X W^T} over a batch of tokens: each block of weights should be read once
 * for the whole batch, so this op can run far above the bandwidth bound that limits {@link MatvecBenchmark}.
 *
 * <p>Variants (JMH {@code @Param}; narrow them with {@code -p name=v1,v2}):
 * <ul>
 *   <li>{@code provider}: {@code scalar} is the reference in runtime (one float or int dot per block, no
 *       vectors); {@code simd} the Vector API kernels (kernels-simd); {@code native} once it exists. A provider
 *       that is missing or unavailable fails its own trials with the reason, and the run goes on.</li>
 *   <li>{@code type}: F32 (4 B/weight, float dot), F16 (2 B, converted to float), Q8_0 (1.06 B, int8 x int8
 *       against Q8_0 activations), Q4_0 (0.56 B, nibbles against Q8_0), Q4_K (0.56 B, super-blocks with
 *       6-bit scales, against Q8_K), Q6_K (0.82 B, against Q8_K).</li>
 *   <li>{@code shape}: {@code ROWSxCOLS}; 4096x4096 is a 7B attention projection (cols = dim), 11008x4096
 *       a 7B gate/up projection. Both far exceed the L3, so the weights come from DRAM as in decode.</li>
 *   <li>{@code threads}: the worker pool's size, the caller included (default 1: one core's speed).</li>
 *   <li>{@code batch}: tokens per product (32: a prompt chunk; try 128, {@code ember bench}'s prefill).</li>
 * </ul>
 *
 * <p>Metrics: ops/s is products per second (tokens/s = ops/s x batch); {@code weightBytes} is bytes of weights
 * consumed per second (= ops/s x the matrix's bytes, counted once per product: the matrix is one pass's worth
 * of weights however the kernel tiles it), so weightBytes / bandwidth is the reuse a kernel achieves.
 * Run: {@code ./ember bench jmh MatmulBenchmark -p provider=scalar,simd -p type=Q4_0 -p batch=32}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark extends KernelBenchmark {
    /** Tokens in the batch. */
    @Param({"32"})
    public int batch;

    @Override
    protected int batch() {
        return batch;
    }

    /** One prefill product over the batch; y is returned, so the result stays observable. */
    @Benchmark
    public float[] matmul(WeightBytes bytes) {
        fixture.kernels().matmul(fixture.weight(), x, batch, y);
        bytes.weightBytes += fixture.weightBytes();
        return y;
    }
}
