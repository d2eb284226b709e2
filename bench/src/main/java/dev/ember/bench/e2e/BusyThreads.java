package dev.ember.bench.e2e;

import java.util.ArrayList;
import java.util.List;

/**
 * Competing load for {@code ember bench --background-load N}: N platform threads that spin on arithmetic until
 * closed, as other processes on an edge box would hold cores (the OS schedules them as any other process's).
 */
final class BusyThreads implements AutoCloseable {
    private volatile boolean running = true;
    private final List<Thread> threads = new ArrayList<>();
    /** Written by the spinners when they stop, so their loops have an effect and are not optimized away. */
    static volatile double sink;

    private BusyThreads(int n) {
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().daemon().name("ember-bench-busy-" + i).start(this::spin));
        }
    }

    /** @return n spinning threads, started */
    static BusyThreads start(int n) {
        return new BusyThreads(n);
    }

    private void spin() {
        double x = 1;
        while (running) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 1.0000001 + 1e-9;
            }
        }
        sink = x;
    }

    /** Stops the spinners and waits for them. */
    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
