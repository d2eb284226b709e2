package dev.ember.model;

/**
 * One session's mutable state (stub: being written): KV cache, activation buffers and logits,
 * allocated once from the config and the context length, reused every token.
 */
public final class SessionState {
    private SessionState() {
    }

    /** @return the next position to be filled (tokens processed so far) */
    public int position() {
        throw new UnsupportedOperationException("being written");
    }

    /** @return the context length (positions the KV cache holds) */
    public int contextLength() {
        throw new UnsupportedOperationException("being written");
    }

    /** @return the largest batch forward accepts */
    public int maxBatch() {
        throw new UnsupportedOperationException("being written");
    }

    /** @return logits written by the last forward: vocab floats, or (count, vocab) with allLogits */
    public float[] logits() {
        throw new UnsupportedOperationException("being written");
    }

    /** Forgets every position (the cache is overwritten from position 0 on). */
    public void reset() {
        throw new UnsupportedOperationException("being written");
    }

    /** Moves the position back to {@code position} (keeps the cache below it), e.g. to re-run a suffix. */
    public void rewind(int position) {
        throw new UnsupportedOperationException("being written");
    }
}
