package dev.ember.sparsity.predictor;

import dev.ember.kernel.Activation;
import dev.ember.sparsity.LowRankScorer;
import dev.ember.sparsity.NeuronSelector;
import dev.ember.sparsity.chess.ChessThresholds;

/**
 * A trained low-rank predictor (Deja Vu / PowerInfer) per layer: neuron i runs when its score clears the
 * layer's threshold, tuned at calibration for recall. The gate of an idle neuron is never computed.
 */
public final class PredictorSelector implements NeuronSelector {
    private final LowRankScorer scorer;
    private final float[] threshold;
    private final float[][] labelTau; // the CHESS thresholds its labels came from; null: act > 0 (ReLU models)
    private final Activation activation;
    private final int[][] order;      // per layer, the neuron at each position of the layout; null: natural

    /**
     * @param scorer     scores every neuron, in neuron order
     * @param threshold  per layer, the score a neuron must reach
     * @param labelTau   per layer, the CHESS thresholds of the labels, by position; null for act > 0
     * @param activation the FFN's activation
     * @param order      per layer, the neuron at each position of the layout (ids are positions); null: natural
     */
    public PredictorSelector(LowRankScorer scorer, float[] threshold, float[][] labelTau, Activation activation,
                             int[][] order) {
        this.scorer = scorer;
        this.threshold = threshold;
        this.labelTau = labelTau;
        this.activation = activation;
        this.order = order;
    }

    @Override
    public boolean knowsTruth() {
        return true;
    }

    @Override
    public boolean active(int layer, int neuron, float gate) {
        float a = activation.apply(gate);
        return labelTau == null ? a > 0f : !ChessThresholds.skips(a, labelTau[layer][neuron]);
    }

    @Override
    public boolean needsGate() {
        return false;
    }

    @Override
    public int select(int layer, float[] x, int xOff, float[] gate, int[] ids) {
        float[] s = scorer.score(layer, x, xOff);
        float t = threshold[layer];
        int count = 0;
        if (order == null) {
            for (int i = 0; i < s.length; i++) {
                if (s[i] >= t) {
                    ids[count++] = i;
                }
            }
        } else {
            int[] o = order[layer];
            for (int j = 0; j < o.length; j++) { // positions ascending: reads in address order
                if (s[o[j]] >= t) {
                    ids[count++] = j;
                }
            }
        }
        return count;
    }
}
