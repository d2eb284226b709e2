package dev.ember.sparsity.chess;

import java.util.Arrays;

/**
 * CHESS channel-wise activation thresholds for a gated feed-forward layer
 * {@code FFN(x) = W_down·(act(W_gate·x) ⊙ (W_up·x))}. Channel {@code i} carries {@code g_i = act(gate_i)}
 * and {@code u_i = up_i}; its contribution is {@code g_i·u_i}, whose expected square over tokens is
 * approximated by {@code g_i²·E[u_i²]}. Skipping the channels where that is smallest gives, per layer:
 *
 * <ul>
 *   <li>samples {@code v(t,i) = g(t,i)²·E[u_i²]} over every (token, channel) pair of the calibration set;</li>
 *   <li>the layer threshold {@code theta}: the {@code s}-quantile of the samples, defined as the value
 *       at index {@code floor(s·N)} of the {@code N} samples sorted ascending, so that exactly
 *       {@code floor(s·N)} samples lie strictly below it when the samples are distinct;</li>
 *   <li>the channel threshold {@code tau_i = sqrt(theta / E[u_i²])}: at run time channel {@code i} is
 *       skipped when {@code |g_i| < tau_i}, which is {@code v < theta}. On the calibration data that
 *       skips a fraction {@code s} of the pairs (up to ties and float rounding at the boundary).</li>
 * </ul>
 *
 * <p>CATS is the special case of one threshold on {@code |g|} for the whole layer (all
 * {@code E[u²]} equal). Special cases:
 * <ul>
 *   <li>{@code E[u_i²] == 0}: the channel's output is always zero on the calibration data, so it never
 *       matters: {@code tau_i = +Infinity}, always skipped (its samples are zero and still count
 *       among the {@code N});</li>
 *   <li>{@code s == 0}: {@code theta = 0} and every {@code tau_i = 0}, zero-variance channels included:
 *       nothing is ever skipped ({@code |g| < 0} is never true), the dense baseline.</li>
 * </ul>
 */
public final class ChessThresholds {
    private ChessThresholds() {
    }

    /**
     * @param meanUpSquared per channel {@code E[u²]} over the calibration tokens ({@code neurons} finite values &ge; 0)
     * @param gate          {@code tokens×neurons} values of {@code act(gate)}, row-major (token by token), finite
     * @param tokens        calibration tokens (&ge; 1)
     * @param neurons       channels of the layer (&ge; 1)
     * @param sparsity      target share {@code s} of (token, channel) pairs to skip, in {@code [0, 1)}
     * @return {@code tau} per channel ({@code neurons} values): skip channel {@code i} when {@code |g_i| < tau[i]}
     * @throws IllegalArgumentException naming the problem for a bad size, length, sparsity or value
     */
    public static float[] compute(float[] meanUpSquared, float[] gate, int tokens, int neurons, double sparsity) {
        double theta = theta(meanUpSquared, gate, tokens, neurons, sparsity);
        float[] tau = new float[neurons];
        if (sparsity == 0) {
            return tau; // the dense baseline: nothing skipped, not even zero-variance channels
        }
        for (int i = 0; i < neurons; i++) {
            double e = meanUpSquared[i];
            // theta / 0 would be NaN for theta == 0; a channel that never contributes is always skipped
            tau[i] = e == 0 ? Float.POSITIVE_INFINITY : (float) Math.sqrt(theta / e);
        }
        return tau;
    }

    /**
     * The layer threshold {@code theta}: the value at index {@code floor(s·N)} of the
     * {@code N = tokens·neurons} samples {@code g(t,i)²·E[u_i²]} sorted ascending (each sample
     * computed in double, rounded to float); 0 when {@code s == 0}.
     *
     * @return theta (&ge; 0)
     * @throws IllegalArgumentException as {@link #compute}
     */
    public static double theta(float[] meanUpSquared, float[] gate, int tokens, int neurons, double sparsity) {
        checkSizes(gate, tokens, neurons);
        if (meanUpSquared == null || meanUpSquared.length != neurons) {
            throw new IllegalArgumentException("meanUpSquared has " + (meanUpSquared == null ? "no" : meanUpSquared.length)
                    + " values, expected one per channel: " + neurons);
        }
        if (!(sparsity >= 0 && sparsity < 1)) { // written so that NaN fails too
            throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
        }
        for (int i = 0; i < neurons; i++) {
            float e = meanUpSquared[i];
            if (!(e >= 0) || e == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("meanUpSquared[" + i + "] must be finite and >= 0, got " + e);
            }
        }
        // A float[] copy is N*4 bytes (a few MB for millions of pairs) and sorts without boxing.
        float[] samples = new float[gate.length];
        for (int t = 0, k = 0; t < tokens; t++) {
            for (int i = 0; i < neurons; i++, k++) {
                float g = gate[k];
                if (!Float.isFinite(g)) {
                    throw new IllegalArgumentException("gate value of token " + t + ", channel " + i
                            + " is not finite: " + g);
                }
                samples[k] = (float) ((double) g * g * meanUpSquared[i]);
            }
        }
        if (sparsity == 0) {
            return 0;
        }
        Arrays.sort(samples);
        // s < 1 keeps the index below N
        return samples[(int) Math.floor(sparsity * samples.length)];
    }

    /**
     * @param tau     per-channel thresholds, as {@link #compute} returns
     * @param gate    {@code tokens×neurons} values of {@code act(gate)}, row-major
     * @param tokens  tokens (&ge; 1)
     * @param neurons channels (&ge; 1)
     * @return the share of (token, channel) pairs {@link #skips} skips: the sparsity these thresholds
     *         achieve on that data
     * @throws IllegalArgumentException naming the problem for a bad size or length
     */
    /**
     * @return whether a channel with activation {@code g} and threshold {@code tau} is skipped: when
     *         {@code |g| < tau}, and always when {@code g} is exactly zero. A zero adds nothing, so skipping it
     *         is free; on a ReLU model most activations are zero, more than any target share, and the
     *         quantile (so every tau) is 0, which {@code |g| < tau} alone would turn into skipping nothing.
     */
    public static boolean skips(float g, float tau) {
        return g == 0f || Math.abs(g) < tau;
    }

    public static double achievedSparsity(float[] tau, float[] gate, int tokens, int neurons) {
        checkSizes(gate, tokens, neurons);
        if (tau == null || tau.length != neurons) {
            throw new IllegalArgumentException("tau has " + (tau == null ? "no" : tau.length)
                    + " values, expected one per channel: " + neurons);
        }
        long skipped = 0;
        for (int t = 0, k = 0; t < tokens; t++) {
            for (int i = 0; i < neurons; i++, k++) {
                if (skips(gate[k], tau[i])) {
                    skipped++;
                }
            }
        }
        return (double) skipped / gate.length;
    }

    private static void checkSizes(float[] gate, int tokens, int neurons) {
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens must be >= 1, got " + tokens);
        }
        if (neurons < 1) {
            throw new IllegalArgumentException("neurons must be >= 1, got " + neurons);
        }
        long n = (long) tokens * neurons;
        if (gate == null || gate.length != n) {
            throw new IllegalArgumentException("gate has " + (gate == null ? "no" : gate.length)
                    + " values, expected tokens*neurons = " + tokens + "*" + neurons + " = " + n);
        }
    }
}
