package dev.ember.bench.kernels;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Decode's matrix-vector product {@code y = W x}, the op that streams every weight once per token.
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
 * </ul>
 *
 * <p>Metrics: ops/s is matvecs per second; {@code weightBytes} is bytes of weights streamed per second
 * (= ops/s x the matrix's bytes), to compare with the bandwidth {@code ember bench} measures.
 * Run: {@code ./ember bench jmh MatvecBenchmark -p provider=scalar,simd -p type=Q4_0,Q8_0}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatvecBenchmark extends KernelBenchmark {
    @Override
    protected int batch() {
        return 1;
    }

    /** One decode matvec; y is a field, so the result stays observable. */
    @Benchmark
    public float[] matvec(WeightBytes bytes) {
        fixture.kernels().matvec(fixture.weight(), x, 0, y, 0);
        bytes.weightBytes += fixture.weightBytes();
        return y;
    }
}
