package dev.ember.sparsity.coreinfer;

import dev.ember.sparsity.Quickselect;

import java.util.Arrays;

/**
 * CoreInfer sentence-level core neurons: the feed-forward neurons that a prompt keeps using, found
 * during prefill and then kept (alone) for the whole generation.
 *
 * <ol>
 *   <li>Per token: among its {@code p} positive activations, the top {@code k = ceil(alpha·p)} by value
 *       are the token's core neurons (ties at the cut broken by lower neuron index). A token with no
 *       positive activation has no core neuron and contributes nothing.</li>
 *   <li>Per prompt of {@code T} tokens: neurons that are core for at least
 *       {@code max(1, ceil(beta·T))} tokens form the sentence core set.</li>
 *   <li>Optionally, a cap on the set's size keeps the neurons with the highest counts (ties by lower
 *       index); a cap &le; 0 means no cap.</li>
 * </ol>
 *
 * <p>The ceilings allow a relative slack of 1e-9 before rounding up, so that products that are whole
 * numbers in decimal but not in binary (0.28·25 = 7.000000000000001) are not pushed to the next integer.
 * The paper's defaults are {@link #DEFAULT_ALPHA} and {@link #DEFAULT_BETA}.
 */
public final class CoreNeurons {
    /** CoreInfer's default share of a token's positive activations that are its core. */
    public static final double DEFAULT_ALPHA = 0.4;
    /** CoreInfer's default share of the prompt's tokens a neuron must be core for. */
    public static final double DEFAULT_BETA = 0.2;

    private static final double CEIL_SLACK = 1e-9;

    private CoreNeurons() {
    }

    /**
     * @param acts    {@code tokens×neurons} activations, row-major ({@code act(gate)⊙up} or
     *                {@code act(gate)}, the caller's choice)
     * @param tokens  prompt tokens (&ge; 1)
     * @param neurons neurons of the layer (&ge; 1)
     * @param alpha   share of each token's positive activations that are its core, in (0, 1]
     * @param beta    share of the tokens a neuron must be core for, in (0, 1]
     * @param cap     the most neurons to keep; &le; 0 for no cap
     * @return the sentence core set's neuron ids, ascending
     * @throws IllegalArgumentException naming the problem for bad sizes, lengths, alpha or beta
     */
    public static int[] select(float[] acts, int tokens, int neurons, double alpha, double beta, int cap) {
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens must be >= 1, got " + tokens);
        }
        checkNeurons(neurons);
        checkShare("alpha", alpha);
        checkShare("beta", beta);
        long n = (long) tokens * neurons;
        if (acts == null || acts.length != n) {
            throw new IllegalArgumentException("acts has " + (acts == null ? "no" : acts.length)
                    + " values, expected tokens*neurons = " + tokens + "*" + neurons + " = " + n);
        }
        int[] counts = new int[neurons];
        int[] scratchIdx = new int[neurons];
        float[] scratchVal = new float[neurons];
        for (int t = 0; t < tokens; t++) {
            countToken(acts, t * neurons, neurons, alpha, counts, scratchIdx, scratchVal);
        }
        return fromCounts(counts, tokens, beta, cap);
    }

    /**
     * Adds one token's core neurons to {@code counts}: {@code counts[i]++} for each neuron {@code i}
     * among the token's top {@code ceil(alpha·p)} of {@code p} positive activations. Feed tokens as
     * they come, then call {@link #fromCounts}. Allocates nothing.
     *
     * @param acts       activations; the token's are {@code acts[off .. off+neurons)}
     * @param off        offset of the token's first activation
     * @param neurons    neurons of the layer (&ge; 1)
     * @param alpha      share of the positive activations that are core, in (0, 1]
     * @param counts     per-neuron core counts ({@code neurons} long), updated in place
     * @param scratchIdx work space of at least {@code neurons} ints (contents overwritten)
     * @param scratchVal work space of at least {@code neurons} floats (contents overwritten)
     * @throws IllegalArgumentException naming the problem for bad sizes, offsets or alpha
     */
    public static void countToken(float[] acts, int off, int neurons, double alpha, int[] counts,
                                  int[] scratchIdx, float[] scratchVal) {
        checkNeurons(neurons);
        checkShare("alpha", alpha);
        if (acts == null || off < 0 || (long) off + neurons > acts.length) {
            throw new IllegalArgumentException("acts[" + off + " .. " + ((long) off + neurons) + ") is outside acts of "
                    + (acts == null ? "no" : acts.length) + " values");
        }
        if (counts == null || counts.length != neurons) {
            throw new IllegalArgumentException("counts has " + (counts == null ? "no" : counts.length)
                    + " entries, expected one per neuron: " + neurons);
        }
        if (scratchIdx == null || scratchIdx.length < neurons || scratchVal == null || scratchVal.length < neurons) {
            throw new IllegalArgumentException("scratchIdx and scratchVal need at least " + neurons + " entries");
        }
        int p = 0;
        for (int i = 0; i < neurons; i++) {
            float a = acts[off + i];
            if (a > 0) { // NaN, zero and negative values are not positive activations
                scratchIdx[p] = i;
                scratchVal[p] = a;
                p++;
            }
        }
        if (p == 0) {
            return;
        }
        int k = ceil(alpha * p);
        // The k-th largest value is the cut: everything above it is core, and as many of the
        // values equal to it as are still needed, lowest indices first (scratchIdx is ascending).
        float cut = Quickselect.kthSmallest(scratchVal, p, p - k);
        int above = 0;
        for (int j = 0; j < p; j++) {
            if (acts[off + scratchIdx[j]] > cut) {
                above++;
            }
        }
        int ties = k - above;
        for (int j = 0; j < p; j++) {
            int i = scratchIdx[j];
            float a = acts[off + i];
            if (a > cut) {
                counts[i]++;
            } else if (a == cut && ties > 0) {
                counts[i]++;
                ties--;
            }
        }
    }

    /**
     * @param counts per-neuron core counts over {@code tokens} tokens, as {@link #countToken} accumulates
     * @param tokens the tokens counted (&ge; 0)
     * @param beta   share of the tokens a neuron must be core for, in (0, 1]
     * @param cap    the most neurons to keep (highest counts, ties by lower index); &le; 0 for no cap
     * @return ids of the neurons with {@code counts[i] >= max(1, ceil(beta·tokens))}, capped, ascending
     * @throws IllegalArgumentException naming the problem for a bad beta, tokens or count
     */
    public static int[] fromCounts(int[] counts, int tokens, double beta, int cap) {
        checkShare("beta", beta);
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must be >= 0, got " + tokens);
        }
        if (counts == null) {
            throw new IllegalArgumentException("counts is null");
        }
        int need = Math.max(1, ceil(beta * tokens));
        int selected = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0 || counts[i] > tokens) {
                // a count above the tokens means counts and tokens do not belong together
                throw new IllegalArgumentException("counts[" + i + "] = " + counts[i] + " is outside 0.." + tokens);
            }
            if (counts[i] >= need) {
                selected++;
            }
        }
        if (cap <= 0 || selected <= cap) {
            int[] ids = new int[selected];
            for (int i = 0, j = 0; i < counts.length; i++) {
                if (counts[i] >= need) {
                    ids[j++] = i;
                }
            }
            return ids;
        }
        // Sort keys (highest count first, then lowest index) packed in longs: no boxing.
        long[] keys = new long[selected];
        for (int i = 0, j = 0; i < counts.length; i++) {
            if (counts[i] >= need) {
                keys[j++] = ((long) (Integer.MAX_VALUE - counts[i]) << 32) | i;
            }
        }
        Arrays.sort(keys);
        int[] ids = new int[cap];
        for (int j = 0; j < cap; j++) {
            ids[j] = (int) keys[j]; // the low 32 bits: the index
        }
        Arrays.sort(ids);
        return ids;
    }

    /** ceil(x) for x &ge; 0, with a relative slack so 2.0000000000000004 gives 2. */
    private static int ceil(double x) {
        return (int) Math.ceil(x - CEIL_SLACK * Math.max(1, x));
    }

    private static void checkNeurons(int neurons) {
        if (neurons < 1) {
            throw new IllegalArgumentException("neurons must be >= 1, got " + neurons);
        }
    }

    private static void checkShare(String name, double v) {
        if (!(v > 0 && v <= 1)) { // written so that NaN fails too
            throw new IllegalArgumentException(name + " must be in (0, 1], got " + v);
        }
    }
}
