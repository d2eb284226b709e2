package dev.ember.server;

import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;

import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's sessions: {@code parallel} of them, made once (each owns a KV cache of the full context), so
 * that many requests generate at once. Further requests wait, at most {@code queue} of them; past that they
 * are refused at once (the server answers 503 with Retry-After) instead of piling up. A session goes back
 * to the front of the pool, so a client that continues its conversation often finds its prefix still cached.
 */
final class SessionPool {
    private final BlockingDeque<Session> idle = new LinkedBlockingDeque<>();
    private final int parallel;
    private final int queue;
    private final int contextLength;
    private final AtomicInteger waiting = new AtomicInteger();

    SessionPool(Model model, SessionOptions options, int parallel, int queue) {
        this.parallel = parallel;
        this.queue = queue;
        for (int i = 0; i < parallel; i++) {
            idle.add(model.newSession(options));
        }
        this.contextLength = idle.getFirst().contextLength();
    }

    /**
     * @return a session, once one is free
     * @throws ApiError 503 if {@code queue} requests are waiting already
     */
    Session acquire() throws InterruptedException {
        Session free = idle.pollFirst();
        if (free != null) {
            return free;
        }
        if (waiting.incrementAndGet() > queue) {
            waiting.decrementAndGet();
            throw ApiError.busy(parallel, queue, 1);
        }
        try {
            return idle.takeFirst();
        } finally {
            waiting.decrementAndGet();
        }
    }

    /** Gives a session back (whatever happened to its request). */
    void release(Session session) {
        idle.addFirst(session);
    }

    /** @return the sessions that generate at once */
    int parallel() {
        return parallel;
    }

    /** @return sessions free now */
    int idle() {
        return idle.size();
    }

    /** @return the context length of every session */
    int contextLength() {
        return contextLength;
    }
}
