package dev.ember.model;

/** The dense FFN (stub: being written). */
public final class DenseFeedForward {
    /** Makes a dense FeedForward per session. */
    public static final FeedForward.Factory FACTORY = (weights, kernels, maxBatch) -> {
        throw new UnsupportedOperationException("being written");
    };

    private DenseFeedForward() {
    }
}
