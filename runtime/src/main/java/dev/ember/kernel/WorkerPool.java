package dev.ember.kernel;

/**
 * Persistent worker threads that split one operation's rows between them (stub: being written).
 */
public final class WorkerPool implements AutoCloseable {
    /** A unit of parallel work: process chunk indices {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        /** Processes items {@code [from, to)}; called from several threads at once on disjoint ranges. */
        void run(int from, int to);
    }

    private final int threads;

    /** @param threads total threads including the caller's (>= 1) */
    public WorkerPool(int threads) {
        this.threads = threads;
    }

    /** @return the number of threads, the caller's included */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into contiguous ranges, on the workers and the calling
     * thread, and returns when all are done. Serializes concurrent callers.
     */
    public void run(RangeTask task, int n) {
        task.run(0, n);
    }

    @Override
    public void close() {
    }
}
