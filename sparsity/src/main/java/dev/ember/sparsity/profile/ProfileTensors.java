package dev.ember.sparsity.profile;

/**
 * The names of a sparsity profile's tensors, in one place (as {@code TensorNames} is for models): every layer's
 * tensors are {@code blk.N.<what>}. Calibration writes them and sessions read them through these methods only.
 */
public final class ProfileTensors {
    private ProfileTensors() {
    }

    /** @return CHESS: per neuron the threshold on |act(gate)| below which it is skipped (ffn) */
    public static String chessTau(int layer) {
        return block(layer, "chess_tau");
    }

    /** @return each neuron's activation frequency on the calibration tokens, by the method's rule (ffn) */
    public static String frequency(int layer) {
        return block(layer, "freq");
    }

    /**
     * @return the neuron stored at each position of the layer's frequency-ordered layout, hottest first (ffn,
     *         I32): a permutation of the FFN's neurons, by descending {@link #frequency}
     */
    public static String order(int layer) {
        return block(layer, "order");
    }

    /** @return TEAL: the magnitude the q/k/v projections' inputs must reach to be read (1) */
    public static String attentionInputTau(int layer) {
        return block(layer, "attn_in_tau");
    }

    /** @return TEAL: the magnitude the output projection's inputs must reach to be read (1) */
    public static String attentionOutputTau(int layer) {
        return block(layer, "attn_out_tau");
    }

    /** @return TEAL: the calibrated share of the q/k/v inputs and of the output projection's inputs skipped (2) */
    public static String attentionSparsity(int layer) {
        return block(layer, "attn_sparsity");
    }

    /** @return the predictor's A, row-major dim x rank */
    public static String predictorA(int layer) {
        return block(layer, "pred_a");
    }

    /** @return the predictor's B, row-major rank x ffn */
    public static String predictorB(int layer) {
        return block(layer, "pred_b");
    }

    /** @return the predictor's bias (ffn) */
    public static String predictorBias(int layer) {
        return block(layer, "pred_bias");
    }

    /** @return the predictor's score threshold, tuned for recall (1) */
    public static String predictorThreshold(int layer) {
        return block(layer, "pred_threshold");
    }

    /** @return the CHESS thresholds the predictor's labels came from, for measuring its recall (ffn) */
    public static String predictorLabelTau(int layer) {
        return block(layer, "pred_label_tau");
    }

    private static String block(int layer, String what) {
        return "blk." + layer + "." + what;
    }
}
