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

    public PredictorSelector(LowRankScorer scorer, float[] threshold, float[][] labelTau, Activation activation) {
        this.scorer = scorer;
        this.threshold = threshold;
        this.labelTau = labelTau;
        this.activation = activation;
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
        for (int i = 0; i < s.length; i++) {
            if (s[i] >= t) {
                ids[count++] = i;
            }
        }
        return count;
    }
}
