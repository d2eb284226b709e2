package dev.ember.model;

/**
 * What a sparse {@link FeedForward} did: per layer, the neurons it computed out of those a dense FFN would
 * have, counted over every token since the last {@link #reset()}, and where its time went. Written by one
 * session's thread.
 */
public final class SparsityStats {
    /** The phases of a sparse FFN whose wall time is kept. */
    public enum Phase {
        /** choosing the neurons: the predictor, or the dense gate and the thresholds */
        SELECT,
        /** the chosen neurons' feed-forward: gate and up rows, activation, down projection */
        FFN
    }

    private final long[] active;
    private final long[] total;
    private final long[] nanos = new long[Phase.values().length];
    private long ffnBytes;
    private final long[] labelled;
    private final long[] recalled;
    private boolean measuringRecall;
    private long attentionRead;   // attention projection weight bytes read, of
    private long attentionDense;  // those a dense pass would have read
    private SparsityStats attention; // the session's attention-side counts, when another object keeps them

    /** @param layers the model's layers */
    public SparsityStats(int layers) {
        this.active = new long[layers];
        this.total = new long[layers];
        this.labelled = new long[layers];
        this.recalled = new long[layers];
    }

    /**
     * Asks a predictor-driven FFN to also find, per token, which neurons a dense FFN would have counted active
     * (it computes the dense gate for that, so only quality runs such as perplexity should ask), and to count
     * how many of those it chose: {@link #recall(int)}.
     */
    public void measureRecall(boolean on) {
        measuringRecall = on;
    }

    /** @return whether {@link #measureRecall} is on */
    public boolean measuringRecall() {
        return measuringRecall;
    }

    /** Counts one token of one layer: of {@code labelled} truly active neurons, {@code recalled} were chosen. */
    public void countRecall(int layer, int recalled, int labelled) {
        this.recalled[layer] += recalled;
        this.labelled[layer] += labelled;
    }

    /** @return the share of truly active neurons that were chosen, or NaN when recall was not measured */
    public double recall(int layer) {
        return labelled[layer] == 0 ? Double.NaN : (double) recalled[layer] / labelled[layer];
    }

    /** Counts one token of one layer: {@code active} of {@code neurons} neurons ran. */
    public void count(int layer, int active, int neurons) {
        this.active[layer] += active;
        this.total[layer] += neurons;
    }

    /** Adds weight bytes the FFN phase read (the chosen neurons' rows), for its read rate. */
    public void read(long bytes) {
        ffnBytes += bytes;
    }

    /** @return weight bytes the FFN phase read since the last reset */
    public long ffnBytes() {
        return ffnBytes;
    }

    /** Adds wall time to a phase. */
    public void time(Phase phase, long nanos) {
        this.nanos[phase.ordinal()] += nanos;
    }

    /** @return the wall time spent in a phase since the last reset, in nanoseconds */
    public long nanos(Phase phase) {
        return nanos[phase.ordinal()];
    }

    /** @return the model's layers */
    public int layers() {
        return active.length;
    }

    /** @return the share of neurons skipped in a layer (0 when it saw no token) */
    public double sparsity(int layer) {
        return total[layer] == 0 ? 0 : 1.0 - (double) active[layer] / total[layer];
    }

    /** @return the share of neurons skipped over every layer */
    public double sparsity() {
        long a = 0;
        long t = 0;
        for (int l = 0; l < active.length; l++) {
            a += active[l];
            t += total[l];
        }
        return t == 0 ? 0 : 1.0 - (double) a / t;
    }

    /**
     * Counts one token's attention projections (input sparsity): {@code read} of the {@code dense} weight bytes
     * a dense pass reads.
     */
    public void readAttention(long read, long dense) {
        attentionRead += read;
        attentionDense += dense;
    }

    /** @return the share of attention projection weight bytes skipped, NaN when the attention ran dense */
    public double attentionSparsity() {
        if (attention != null) {
            return attention.attentionSparsity();
        }
        return attentionDense == 0 ? Double.NaN : 1.0 - (double) attentionRead / attentionDense;
    }

    /** @return whether the FFN counted any token (false for a session whose only sparsity is attention's) */
    public boolean countsFfn() {
        for (long t : total) {
            if (t > 0) {
                return true;
            }
        }
        return false;
    }

    /** Reports the attention-side counts {@code other} keeps as this object's (a session's one view of both). */
    public void attention(SparsityStats other) {
        this.attention = other;
    }

    /** Forgets the counts. */
    public void reset() {
        if (attention != null) {
            attention.reset();
        }
        attentionRead = 0;
        attentionDense = 0;
        java.util.Arrays.fill(active, 0);
        java.util.Arrays.fill(total, 0);
        java.util.Arrays.fill(nanos, 0);
        java.util.Arrays.fill(labelled, 0);
        java.util.Arrays.fill(recalled, 0);
        ffnBytes = 0;
    }
}
