package dev.ember.kernel;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The pool's contract: every item once, errors surface, callers take turns, workers sleep and wake, close. */
class WorkerPoolTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    /** Counts how often each item was processed, and checks every range it is given. */
    private static final class Coverage implements WorkerPool.RangeTask {
        final AtomicIntegerArray seen;
        final int n;

        Coverage(int n) {
            this.n = n;
            this.seen = new AtomicIntegerArray(Math.max(n, 1));
        }

        @Override
        public void run(int from, int to) {
            if (from < 0 || to > n || from >= to) {
                fail("bad range [" + from + ", " + to + ") of " + n);
            }
            for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
            }
        }

        void assertEachSeen(int times, String what) {
            for (int i = 0; i < n; i++) {
                if (seen.get(i) != times) {
                    fail(what + ": item " + i + " of " + n + " processed " + seen.get(i) + " times, expected " + times);
                }
            }
        }
    }

    @Test
    void everyItemIsProcessedExactlyOncePerRun() {
        assertTimeoutPreemptively(DEADLINE, () -> {
            for (int threads : new int[] {1, 2, 3, 4, 8}) {
                try (WorkerPool pool = new WorkerPool(threads)) {
                    assertEquals(threads, pool.threads());
                    for (int n : new int[] {0, 1, 2, 3, 7, 31, 64, 1000, 100_003}) {
                        Coverage task = new Coverage(n);
                        int runs = n > 10_000 ? 20 : 300;
                        for (int r = 0; r < runs; r++) {
                            pool.run(task, n);
                        }
                        task.assertEachSeen(runs, threads + " threads, n=" + n);
                    }
                }
            }
        });
    }

    @Test
    void anExceptionReachesTheCallerAfterTheOtherRangesRan() {
        assertTimeoutPreemptively(DEADLINE, () -> {
            try (WorkerPool pool = new WorkerPool(3)) {
                IllegalStateException boom = new IllegalStateException("boom");
                AtomicInteger done = new AtomicInteger();
                WorkerPool.RangeTask task = (from, to) -> {
                    if (from <= 50 && 50 < to) {
                        throw boom;
                    }
                    done.addAndGet(to - from);
                };
                IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.run(task, 100));
                assertSame(boom, thrown);
                int failedRange = 100 - done.get();
                assertTrue(failedRange >= 1 && failedRange <= 100 / 3 + 1, "items outside the failed range ran: "
                        + done.get());
                Coverage after = new Coverage(100); // the pool is still usable
                pool.run(after, 100);
                after.assertEachSeen(1, "after a failure");
            }
        });
    }

    @Test
    void twoCallersAtOnceAreSerializedCorrectly() throws Exception {
        try (WorkerPool pool = new WorkerPool(3)) {
            Coverage a = new Coverage(997);
            Coverage b = new Coverage(1500);
            AtomicReference<Throwable> error = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            Thread[] callers = new Thread[2];
            for (int c = 0; c < 2; c++) {
                Coverage task = c == 0 ? a : b;
                callers[c] = new Thread(() -> {
                    try {
                        start.await();
                        for (int r = 0; r < 2000; r++) {
                            pool.run(task, task.n);
                        }
                    } catch (Throwable t) {
                        error.set(t);
                    }
                });
                callers[c].start();
            }
            start.countDown();
            for (Thread t : callers) {
                t.join(DEADLINE.toMillis());
                assertTrue(!t.isAlive(), "a caller is stuck: deadlock");
            }
            if (error.get() != null) {
                throw new AssertionError(error.get());
            }
            a.assertEachSeen(2000, "first caller");
            b.assertEachSeen(2000, "second caller");
        }
    }

    @Test
    void aTaskThatRunsThePoolAgainRunsInline() {
        assertTimeoutPreemptively(DEADLINE, () -> {
            try (WorkerPool pool = new WorkerPool(3)) {
                Coverage inner = new Coverage(10);
                pool.run((from, to) -> {
                    for (int i = from; i < to; i++) {
                        pool.run(inner, 10);
                    }
                }, 40);
                inner.assertEachSeen(40, "nested runs");
            }
        });
    }

    @Test
    void idleWorkersParkAndWakeForTheNextRun() throws Exception {
        try (WorkerPool pool = new WorkerPool(4)) {
            pool.run(new Coverage(100), 100);
            Set<Thread> workers = workerThreads();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            // the spin and yield phases are bounded (about 0.1 ms): soon every worker must be parked (a timed
            // park: the idle strategy's park lasts at most a millisecond, then it re-checks and parks again)
            while (!workers.stream().allMatch(t -> t.getState() == Thread.State.TIMED_WAITING
                    || t.getState() == Thread.State.WAITING)) {
                if (System.nanoTime() > deadline) {
                    fail("workers still running 5 s after the last run: " + workers.stream()
                            .map(t -> t.getName() + "=" + t.getState()).toList());
                }
                Thread.sleep(10);
            }
            Set<Thread> ran = ConcurrentHashMap.newKeySet();
            assertTimeoutPreemptively(DEADLINE, () -> pool.run((from, to) -> {
                ran.add(Thread.currentThread());
                sleep(2); // long enough that a parked worker wakes while chunks are left
            }, 64));
            assertTrue(ran.size() >= 2, "parked workers did not join the run: only " + ran);
        }
    }

    @Test
    void closeStopsTheThreadsAndRefusesFurtherRuns() throws Exception {
        int before = workerThreads().size();
        WorkerPool pool = new WorkerPool(4);
        assertEquals(before + 3, workerThreads().size());
        pool.run(new Coverage(10), 10);
        pool.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (workerThreads().size() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before, workerThreads().size(), "worker threads left after close");
        assertThrows(IllegalStateException.class, () -> pool.run(new Coverage(10), 10));
        new WorkerPool(1).close(); // a one-thread pool has nothing to stop
    }

    private static Set<Thread> workerThreads() {
        Set<Thread> s = ConcurrentHashMap.newKeySet();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("ember-worker-") && t.isAlive()) {
                s.add(t);
            }
        }
        return s;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
