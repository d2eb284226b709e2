package dev.ember.sparsity.calibrate;

import dev.ember.sparsity.chess.ChessThresholds;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * How often each neuron runs on the calibration tokens, by the method's own rule, and how concentrated that is:
 * PowerInfer's observation is that a minority of neurons carries most activations, which a layout in frequency
 * order turns into nearly sequential reads. Profiles store it per layer as {@code blk.N.freq}.
 */
public final class NeuronFrequency {
    /** The shares of neurons, hottest first, at which {@link #carried} is reported. */
    public static final double[] TOP = {0.1, 0.2, 0.5};

    private NeuronFrequency() {
    }

    /** @return per neuron, the share of the tokens in which it runs ({@code active}: (tokens, neurons)) */
    public static float[] of(boolean[] active, int tokens, int neurons) {
        long[] counts = new long[neurons];
        for (int t = 0, k = 0; t < tokens; t++) {
            for (int i = 0; i < neurons; i++, k++) {
                if (active[k]) {
                    counts[i]++;
                }
            }
        }
        return shares(counts, tokens);
    }

    /** @return per neuron, the share of tokens whose activation CHESS keeps at thresholds {@code tau} */
    public static float[] ofChess(float[] tau, float[] gate, int tokens, int neurons) {
        long[] counts = new long[neurons];
        for (int t = 0, k = 0; t < tokens; t++) {
            for (int i = 0; i < neurons; i++, k++) {
                if (!ChessThresholds.skips(gate[k], tau[i])) {
                    counts[i]++;
                }
            }
        }
        return shares(counts, tokens);
    }

    private static float[] shares(long[] counts, int tokens) {
        float[] f = new float[counts.length];
        for (int i = 0; i < counts.length; i++) {
            f[i] = (float) counts[i] / tokens;
        }
        return f;
    }

    /**
     * @return the neurons hottest first (ties in neuron order): the frequency-ordered layout's
     *         {@code order[position] = neuron}, stored in profiles as {@code blk.N.order}
     */
    public static int[] order(float[] frequency) {
        return IntStream.range(0, frequency.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -frequency[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }

    /** @return the share of all activations that the hottest {@code top} share of neurons carries */
    public static double carried(float[] frequency, double top) {
        float[] f = frequency.clone();
        Arrays.sort(f);
        double total = 0;
        for (float v : f) {
            total += v;
        }
        int hot = (int) Math.round(top * f.length);
        double carried = 0;
        for (int i = f.length - hot; i < f.length; i++) {
            carried += f[i];
        }
        return total == 0 ? 0 : carried / total;
    }

    /** @return one line: the shares of activations the hottest 10, 20 and 50 % of neurons carry (mean of layers) */
    public static String curve(float[][] perLayer) {
        StringBuilder b = new StringBuilder("activation frequency: the hottest");
        for (double top : TOP) {
            double mean = Arrays.stream(perLayer).mapToDouble(f -> carried(f, top)).average().orElse(0);
            b.append(String.format(Locale.ROOT, " %.0f %% of neurons carry %.1f %%%s", 100 * top, 100 * mean,
                    top == TOP[TOP.length - 1] ? "" : ","));
        }
        return b.append(" of the activations (mean over layers)").toString();
    }
}
