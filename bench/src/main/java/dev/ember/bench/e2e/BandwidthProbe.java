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
 * same thread count as the model (the same threads, the same sharing of cores). The result is the fastest of
 * the passes, after one untimed pass that warms the JIT and the TLB: it is the bound decode is judged
 * against, and on a shared machine other tenants only ever slow a pass down, so the best pass is the closest
 * to what the machine can read (a median let one unlucky probe put decode above 100 % of its "bound").
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
     * @return the highest read bandwidth of the passes, in GB/s (10^9 bytes per second)
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
            return Arrays.stream(gbps).max().orElseThrow();
        }
    }

    /** Independent streams each thread reads at once, {@code BLOCK / STREAMS} apart. */
    private static final int STREAMS = 8;

    /**
     * Touches every 64-byte line of {@code [from, to)} once (one long per line: the line is what DRAM moves),
     * as eight interleaved streams an eighth of the block apart. One sequential stream measured 8–10 GB/s
     * on one core of this machine where eight measured 15–17: the hardware prefetcher keeps more misses in
     * flight across streams, as the C kernels' software prefetch does within one. The bound has to be what
     * the machine can read, not what the simplest loop reads.
     */
    private static long sum(MemorySegment s, long from, long to) {
        long stride = (to - from) / STREAMS;
        long a = 0;
        long b = 0;
        for (long i = from; i < from + stride; i += 64) {
            a += s.get(ValueLayout.JAVA_LONG, i) + s.get(ValueLayout.JAVA_LONG, i + stride)
                    + s.get(ValueLayout.JAVA_LONG, i + 2 * stride) + s.get(ValueLayout.JAVA_LONG, i + 3 * stride);
            b += s.get(ValueLayout.JAVA_LONG, i + 4 * stride) + s.get(ValueLayout.JAVA_LONG, i + 5 * stride)
                    + s.get(ValueLayout.JAVA_LONG, i + 6 * stride) + s.get(ValueLayout.JAVA_LONG, i + 7 * stride);
        }
        return a + b;
    }
}
