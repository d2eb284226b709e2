package dev.ember.kernel;

import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Persistent worker threads that split one operation's items (rows, heads, column blocks) between them
 * and the calling thread. Created once per loaded model, sized to the cores, shared by its sessions.
 *
 * <pre>
 * try (WorkerPool pool = new WorkerPool(Runtime.getRuntime().availableProcessors())) {
 *     pool.run(rowTask, rows);      // rowTask: a preallocated RangeTask whose fields say what to compute
 * }
 * </pre>
 *
 * <p>How it works. {@link #run} publishes the task and a chunk count, wakes any parked worker, and joins
 * in. Everyone claims contiguous chunks of {@code [0, n)} from one atomic cursor until none are left, so a
 * core that is slow (or shared with another process) simply claims fewer. The caller returns once every
 * chunk has completed; it does not wait for workers that never woke up. Nothing is allocated per run.
 *
 * <p>Between runs a worker idles with Agrona's {@link BackoffIdleStrategy}: {@value #MAX_SPINS} spins (the gap
 * between two ops of a decode step is a few microseconds), then {@value #MAX_YIELDS} yields, then parks for
 * {@value #MIN_PARK_NANOS} ns doubling up to {@value #MAX_PARK_NANOS} ns. {@code run} unparks a worker that
 * announced it may park, and {@code parkNanos} returns at once on {@code unpark}, so a parked worker wakes
 * promptly for the next op (each side writes its flag, then reads the other's, so no wake-up is lost); the
 * timeout only makes an idle worker re-check now and then. The spin is bounded on purpose: on a CPU shared
 * with other work, threads that busy-wait steal the cores the other threads need, and the whole engine
 * collapses instead of slowing down in proportion. The caller waits for the last chunk with a strategy of its
 * own, the same way.
 *
 * <p>Threads. {@code run} may be called from any thread; concurrent callers (two sessions) take turns on
 * a lock. A task that itself calls {@code run} (nested) runs that inner range inline instead of
 * deadlocking. With {@code threads == 1} there are no worker threads at all.
 */
public final class WorkerPool implements AutoCloseable {
    /** A unit of parallel work over items {@code [from, to)}, preallocated and reused by its owner. */
    @FunctionalInterface
    public interface RangeTask {
        /** Processes items {@code [from, to)}; called from several threads at once on disjoint ranges. */
        void run(int from, int to);
    }

    /**
     * Spins before yielding, each a {@code Thread.onSpinWait} (PAUSE): 30-180 us on this AMD EPYC, a few us where
     * PAUSE is short; either way longer than the gap between two ops of a decode step.
     */
    static final long MAX_SPINS = 1_000;
    /** Yields before parking: some 100 us more when the core is free, one time slice each when it is not. */
    static final long MAX_YIELDS = 100;
    /** The first park; each further one doubles, up to {@link #MAX_PARK_NANOS}. */
    static final long MIN_PARK_NANOS = 1_000;
    /**
     * The longest park. Every dispatch unparks the workers that announced they may park, so the timeout does not
     * set the wake-up latency; it only sets how often an idle worker wakes to re-check: with 10 ms an idle worker
     * woke about 60 times a second, with 1 ms about 750 (measured, docs/performance.md).
     */
    static final long MAX_PARK_NANOS = 10_000_000;
    /** Idle calls after which the strategy may park: from then on an idler must be unparked to wake at once. */
    private static final long CALLS_BEFORE_PARK = MAX_SPINS + MAX_YIELDS;
    /** Chunks per thread: more than one, so uneven cores balance; few, so claiming stays cheap. */
    private static final int CHUNKS_PER_THREAD = 4;
    /** The chunk index that no chunk count reaches: marks a generation that is being set up. */
    private static final int SETTING_UP = Integer.MAX_VALUE;

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();

    // The current job: written by the caller under the lock before the cursor publishes it.
    private RangeTask task;
    private int items;
    private int chunkSize;
    private int chunks;
    /** (generation << 32) | next chunk index: claiming a chunk is one CAS that also checks the generation. */
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Thread caller;
    private volatile boolean callerParked;
    /** The waiting caller's idle strategy; used under the lock, so by one caller at a time. */
    private final BackoffIdleStrategy callerIdle = newIdleStrategy();
    private volatile boolean closed;

    /** @param threads total threads including the caller's (>= 1): {@code threads - 1} workers are started */
    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a worker pool needs at least 1 thread, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** @return the number of threads, the caller's included */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into contiguous ranges, on the workers and the calling
     * thread, and returns when all are done. Serializes concurrent callers. If a range throws, the other
     * ranges still run and the first exception is rethrown here.
     *
     * @throws IllegalStateException if the pool is closed
     */
    public void run(RangeTask task, int n) {
        if (closed) {
            throw new IllegalStateException("the worker pool is closed");
        }
        if (n <= 0) {
            return;
        }
        boolean nested = lock.isHeldByCurrentThread() || Thread.currentThread() instanceof WorkerThread;
        if (workers.length == 0 || n == 1 || nested) {
            task.run(0, n); // one thread, one item, or called from inside a running task: inline
            return;
        }
        lock.lock();
        try {
            runLocked(task, n);
        } finally {
            lock.unlock();
        }
    }

    private void runLocked(RangeTask job, int n) {
        int generation = (int) (cursor.get() >>> 32) + 1;
        // no claim of the last generation can succeed from here on, and none of this one yet
        cursor.set(pack(generation, SETTING_UP));
        int size = Math.ceilDiv(n, Math.min(n, threads * CHUNKS_PER_THREAD));
        task = job;
        items = n;
        chunkSize = size;
        chunks = Math.ceilDiv(n, size);
        completed.set(0);
        failure.set(null);
        caller = Thread.currentThread();
        cursor.set(pack(generation, 0)); // publishes the fields above
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        claimChunks(generation, job, n, size, chunks);
        awaitCompletion(chunks);
        task = null;
        Throwable t = failure.getAndSet(null);
        if (t instanceof RuntimeException e) {
            throw e;
        } else if (t instanceof Error e) {
            throw e;
        } else if (t != null) {
            throw new IllegalStateException("a worker task failed", t);
        }
    }

    /** Claims and runs chunks of {@code generation} until none are left or the generation is over. */
    private void claimChunks(int generation, RangeTask job, int n, int size, int count) {
        while (true) {
            long c = cursor.get();
            int index = (int) c;
            if ((int) (c >>> 32) != generation || index >= count) {
                return;
            }
            if (!cursor.compareAndSet(c, c + 1)) {
                continue;
            }
            int from = index * size;
            try {
                job.run(from, Math.min(n, from + size));
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
            if (completed.incrementAndGet() == count && callerParked) {
                LockSupport.unpark(caller);
            }
        }
    }

    /** Waits for every chunk to complete: spin, yield, then park until the last chunk's thread unparks us. */
    private void awaitCompletion(int count) {
        callerIdle.reset();
        for (long calls = 0; completed.get() < count; calls++) {
            if (calls < CALLS_BEFORE_PARK) {
                callerIdle.idle();
                continue;
            }
            callerParked = true;
            // re-check after announcing: the last chunk's thread counts, then reads callerParked
            if (completed.get() < count) {
                callerIdle.idle();
            }
            callerParked = false;
        }
    }

    private static BackoffIdleStrategy newIdleStrategy() {
        return new BackoffIdleStrategy(MAX_SPINS, MAX_YIELDS, MIN_PARK_NANOS, MAX_PARK_NANOS);
    }

    private static long pack(int generation, int index) {
        return (long) generation << 32 | (index & 0xFFFFFFFFL);
    }

    /** Stops the worker threads and waits briefly for them; later calls to {@link #run} throw. */
    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
        for (Worker w : workers) {
            try {
                w.thread.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The worker threads' class, so that {@link #run} can recognise a nested call. */
    private static final class WorkerThread extends Thread {
        WorkerThread(Runnable r, String name) {
            super(r, name);
        }
    }

    /** One persistent worker: waits for a new generation, claims its chunks, idles. */
    private final class Worker implements Runnable {
        final Thread thread;
        /** True while the worker may be parked: {@code run} must unpark it. */
        volatile boolean parked;
        private final BackoffIdleStrategy idle = newIdleStrategy();

        Worker(int index) {
            thread = new WorkerThread(this, "ember-worker-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            int seen = (int) (cursor.get() >>> 32);
            long idleCalls = 0;
            while (!closed) {
                long c = cursor.get();
                int generation = (int) (c >>> 32);
                if (generation != seen && (int) c != SETTING_UP) {
                    seen = generation;
                    // read after the cursor showed this generation: they are its fields, and a claim's CAS
                    // fails if the generation has moved on since
                    claimChunks(generation, task, items, chunkSize, chunks);
                    idle.reset();
                    idleCalls = 0;
                    continue;
                }
                if (idleCalls++ < CALLS_BEFORE_PARK) {
                    idle.idle(); // spinning or yielding: it sees the next generation by itself
                    continue;
                }
                parked = true;
                // re-check after announcing: run() sets the cursor, then reads parked, so one of us sees the other
                if (!closed && (int) (cursor.get() >>> 32) == seen) {
                    idle.idle();
                }
                parked = false;
            }
        }
    }
}
