package dev.ember.bench.e2e;

import dev.ember.kernel.WorkerPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the machine's read bandwidth the way decode reads weights: threads streaming disjoint parts of an
 * off-heap buffer much larger than the last-level cache, so every byte comes from DRAM.
 *
 * <pre>
 * double gbPerSecond = BandwidthProbe.measure(threads, BandwidthProbe.DEFAULT_BYTES, 5);
 * </pre>
 *
 * Each pass reads the whole buffer once, split into 1 MiB blocks claimed through a {@link WorkerPool} of the
 * same thread count as the model (the same threads, the same sharing of cores). The result is the median of
 * the passes, after one untimed pass that warms the JIT and the TLB.
 */
public final class BandwidthProbe {
    /** 512 MiB: 16 times this machine's 32 MiB L3, so caches cannot hold a noticeable share of it. */
    public static final long DEFAULT_BYTES = 512L << 20;
    private static final long BLOCK = 1L << 20;

    private BandwidthProbe() {
    }

    /**
     * @param threads the threads reading at once (the caller's included)
     * @param bytes   the buffer size (rounded down to whole 1 MiB blocks, at least one)
     * @param passes  timed passes (>= 1)
     * @return the median read bandwidth of the passes, in GB/s (10^9 bytes per second)
     */
    public static double measure(int threads, long bytes, int passes) {
        if (passes < 1) {
            throw new IllegalArgumentException("passes must be >= 1, got " + passes);
        }
        int blocks = (int) Math.max(1, bytes / BLOCK);
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(threads)) {
            MemorySegment buffer = arena.allocate(blocks * BLOCK, 64);
            // written, not just zeroed: pages that were never stored to may all map to one shared zero page
            buffer.fill((byte) 1);
            AtomicLong sink = new AtomicLong();
            WorkerPool.RangeTask read = (from, to) -> {
                long s = 0;
                for (long b = from; b < to; b++) {
                    s += sum(buffer, b * BLOCK, (b + 1) * BLOCK); // short calls: C2 compiles sum itself, not an OSR
                }
                sink.addAndGet(s);
            };
            pool.run(read, blocks);
            double[] gbps = new double[passes];
            for (int p = 0; p < passes; p++) {
                long start = System.nanoTime();
                pool.run(read, blocks);
                long nanos = System.nanoTime() - start;
                gbps[p] = (double) blocks * BLOCK / nanos; // bytes per ns = GB/s
            }
            if (sink.get() == 42) {
                System.err.print(""); // keeps the sums observable, so the reads cannot be optimized away
            }
            Arrays.sort(gbps);
            return gbps[passes / 2];
        }
    }

    /** Sums the longs of {@code [from, to)}: eight independent loads per iteration keep many misses in flight. */
    private static long sum(MemorySegment s, long from, long to) {
        long a = 0;
        long b = 0;
        long c = 0;
        long d = 0;
        for (long i = from; i < to; i += 64) {
            a += s.get(ValueLayout.JAVA_LONG, i) + s.get(ValueLayout.JAVA_LONG, i + 32);
            b += s.get(ValueLayout.JAVA_LONG, i + 8) + s.get(ValueLayout.JAVA_LONG, i + 40);
            c += s.get(ValueLayout.JAVA_LONG, i + 16) + s.get(ValueLayout.JAVA_LONG, i + 48);
            d += s.get(ValueLayout.JAVA_LONG, i + 24) + s.get(ValueLayout.JAVA_LONG, i + 56);
        }
        return a + b + c + d;
    }
}
