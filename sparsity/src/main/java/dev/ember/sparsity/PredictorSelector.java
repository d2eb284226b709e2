package dev.ember.sparsity;

/**
 * A trained low-rank predictor (Deja Vu / PowerInfer) per layer: neuron i runs when its score clears the
 * layer's threshold, tuned at calibration for recall. The gate of an idle neuron is never computed.
 */
final class PredictorSelector implements NeuronSelector {
    private final LowRankScorer scorer;
    private final float[] threshold;

    PredictorSelector(LowRankScorer scorer, float[] threshold) {
        this.scorer = scorer;
        this.threshold = threshold;
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
