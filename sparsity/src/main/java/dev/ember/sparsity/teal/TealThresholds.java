package dev.ember.sparsity.teal;

import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Dequantize;

import java.util.Arrays;

/**
 * TEAL's calibration: per layer, a magnitude threshold on the inputs of the q/k/v projections (one: they share
 * their input) and one on the inputs of the output projection, set from the calibration tokens' input
 * distribution at a sparsity level, with the levels chosen greedily so that the model-wide share of skipped
 * weight bytes reaches a target at the least error.
 *
 * <p>A block's error at a level is the output error its skipped inputs cause, relative to its output:
 * {@code sum_t ||W (x_t - x~_t)||^2 / sum_t ||W x_t||^2}, taken in the diagonal approximation
 * {@code sum_i c_i x_ti^2} with {@code c_i = ||W[:, i]||^2} (cross terms dropped, as CHESS weighs a channel by
 * {@code E[u_i^2]}): one pass over the weights per block instead of a matrix product per token and level.
 * The greedy step raises, each time, the level of the block whose next step adds the least error per weight
 * byte it saves.
 */
public final class TealThresholds {
    /** The levels' step: level k skips a share k * STEP of a block's calibration inputs. */
    public static final double STEP = 0.05;
    /** The highest level, 0.95. */
    public static final int MAX_LEVEL = 19;

    private TealThresholds() {
    }

    /**
     * A block's error curve: at level k, the threshold that skips a share k * STEP of its calibration inputs, and
     * the relative output error that causes.
     *
     * @param tau   (MAX_LEVEL + 1) thresholds, tau[0] = 0
     * @param error (MAX_LEVEL + 1) relative errors, error[0] = 0, not decreasing
     * @param bytes the weight bytes behind the block's inputs (what skipping all of them would save)
     */
    public record Curve(float[] tau, double[] error, long bytes) {
    }

    /** @return per input channel, the sum of squares of the column it multiplies, over every given matrix */
    public static double[] channelWeights(int width, Tensor... matrices) {
        double[] c = new double[width];
        for (Tensor w : matrices) {
            if (w.shape().rowLength() != width) {
                throw new IllegalArgumentException(w.name() + ": rows of " + w.shape().rowLength() + ", inputs " + width);
            }
            float[] row = new float[width];
            for (long r = 0; r < w.rows(); r++) {
                Dequantize.row(w.type(), w.data(), r * w.rowBytes(), row, 0, width);
                for (int i = 0; i < width; i++) {
                    c[i] += (double) row[i] * row[i];
                }
            }
        }
        return c;
    }

    /**
     * @param inputs  (tokens, width) recorded inputs
     * @param tokens  how many
     * @param width   values per token
     * @param channel per channel, the weight of its error ({@link #channelWeights})
     * @param bytes   the weight bytes behind these inputs
     * @return the block's thresholds and errors at every level
     */
    public static Curve curve(float[] inputs, int tokens, int width, double[] channel, long bytes) {
        int n = tokens * width;
        // |x| and the flat index in one long: non-negative floats order as their bits, so one primitive sort
        long[] keyed = new long[n];
        for (int k = 0; k < n; k++) {
            keyed[k] = ((long) Float.floatToRawIntBits(Math.abs(inputs[k])) << 32) | k;
        }
        Arrays.sort(keyed);
        double total = 0;
        double[] prefix = new double[n + 1]; // weighted error of skipping the first k smallest
        for (int k = 0; k < n; k++) {
            int at = (int) keyed[k];
            double x = inputs[at];
            total += channel[at % width] * x * x;
            prefix[k + 1] = total;
        }
        float[] tau = new float[MAX_LEVEL + 1];
        double[] error = new double[MAX_LEVEL + 1];
        for (int level = 1; level <= MAX_LEVEL; level++) {
            int cut = (int) Math.floor(level * STEP * n + 1e-9); // 0.05 * 20 must give 1, not 0.999...
            // keep |x| >= tau: the cut-th smallest magnitude (those below it are the ones skipped)
            tau[level] = cut < n ? Float.intBitsToFloat((int) (keyed[cut] >>> 32)) : Float.POSITIVE_INFINITY;
            error[level] = total == 0 ? 0 : prefix[cut] / total;
        }
        return new Curve(tau, error, bytes);
    }

    /**
     * Greedy allocation: from every block at level 0, raise the level of the block whose next step costs the least
     * error per byte it saves, until the skipped share of all blocks' bytes reaches {@code target}.
     *
     * @return per block, its level
     */
    public static int[] allocate(Curve[] blocks, double target) {
        if (!(target >= 0 && target <= MAX_LEVEL * STEP + 1e-9)) {
            throw new IllegalArgumentException("attention sparsity target must be in [0, " + MAX_LEVEL * STEP
                    + "], got " + target);
        }
        int[] level = new int[blocks.length];
        long all = 0;
        for (Curve c : blocks) {
            all += c.bytes();
        }
        double skipped = 0;
        while (skipped < target * all - 1e-6 * all) {
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int b = 0; b < blocks.length; b++) {
                if (level[b] == MAX_LEVEL || blocks[b].bytes() == 0) {
                    continue;
                }
                double cost = (blocks[b].error()[level[b] + 1] - blocks[b].error()[level[b]]) / blocks[b].bytes();
                if (cost < bestCost) {
                    best = b;
                    bestCost = cost;
                }
            }
            if (best < 0) {
                break; // every block at its highest level
            }
            level[best]++;
            skipped += STEP * blocks[best].bytes();
        }
        return level;
    }
}
