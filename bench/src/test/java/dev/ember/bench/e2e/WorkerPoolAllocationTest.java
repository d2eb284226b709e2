package dev.ember.bench.e2e;

import dev.ember.kernel.WorkerPool;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worker pool allocates nothing per run, on the caller or the workers, through all its idle phases. Here
 * rather than in runtime's tests because runtime's module does not read java.management (and need not).
 */
class WorkerPoolAllocationTest {
    @Test
    void runsAllocateNothingOnceWarm() throws Exception {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (WorkerPool pool = new WorkerPool(3)) {
            long[] sums = new long[64];
            WorkerPool.RangeTask task = (from, to) -> {
                for (int i = from; i < to; i++) {
                    sums[i]++;
                }
            };
            for (int r = 0; r < 20_000; r++) {
                pool.run(task, 64); // warm: JIT-compiled
            }
            Thread.sleep(50); // let the workers idle through spinning and yielding into parking once
            long[] ids = workers();
            long before = allocated(bean, ids);
            for (int r = 0; r < 20_000; r++) {
                pool.run(task, 64);
                if (r % 5_000 == 0) {
                    Thread.sleep(20); // and wake them from a park now and then
                }
            }
            long bytes = allocated(bean, ids) - before;
            // slack for the counters' own bookkeeping; one small object per run would be some 320 KB
            assertTrue(bytes < 4096, "20000 runs allocated " + bytes + " bytes on the caller and the workers");
        }
    }

    private static long[] workers() {
        List<Long> ids = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("ember-worker-") && t.isAlive()) {
                ids.add(t.threadId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static long allocated(com.sun.management.ThreadMXBean bean, long[] workerIds) {
        long sum = bean.getCurrentThreadAllocatedBytes();
        for (long id : workerIds) {
            sum += Math.max(0, bean.getThreadAllocatedBytes(id));
        }
        return sum;
    }
}
