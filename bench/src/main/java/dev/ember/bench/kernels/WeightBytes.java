package dev.ember.bench.kernels;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH's secondary metric for the kernel benchmarks: bytes of weights streamed. In throughput mode JMH reports
 * it per second next to ops/s, so the {@code weightBytes} line reads directly as bytes/s (divide by 10^9 for
 * GB/s) and compares with the machine's read bandwidth.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class WeightBytes {
    /** Bytes of weights read since the iteration began; JMH divides by the iteration's time. */
    public long weightBytes;

    /** Starts every iteration from zero. */
    @Setup(Level.Iteration)
    public void reset() {
        weightBytes = 0;
    }
}
