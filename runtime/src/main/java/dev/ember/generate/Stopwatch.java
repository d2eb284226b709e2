package dev.ember.generate;

/**
 * The clock of one phase of a generation (prefill or decode): tokens processed and nanoseconds
 * spent, accumulated without allocating. The public {@code dev.ember.Timing} record is made from it
 * once the generation ends.
 */
public final class Stopwatch {
    private int tokens;
    private long nanos;
    private long started;

    /** Starts (or restarts) the clock. */
    void start() {
        started = System.nanoTime();
    }

    /** Stops the clock and counts {@code count} more tokens. */
    void stop(int count) {
        nanos += System.nanoTime() - started;
        tokens += count;
    }

    /** Counts tokens without touching the clock. */
    void count(int count) {
        tokens += count;
    }

    /** @return tokens processed */
    public int tokens() {
        return tokens;
    }

    /** @return nanoseconds spent */
    public long nanos() {
        return nanos;
    }

    /** @return seconds spent */
    public double seconds() {
        return nanos / 1e9;
    }

    /** @return tokens per second, 0 if no time was spent */
    public double tokensPerSecond() {
        return nanos == 0 ? 0 : tokens / seconds();
    }

    void clear() {
        tokens = 0;
        nanos = 0;
    }
}
