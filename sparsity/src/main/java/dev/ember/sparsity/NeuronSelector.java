package dev.ember.sparsity;

/**
 * Chooses the FFN neurons of one layer that run for one token: the part that differs between sparse methods.
 * Either from the dense gate (ReLU exact, CHESS thresholds: the gate is computed for every neuron first) or
 * from the FFN input alone (predictors: gate rows of idle neurons are skipped too). One instance per session.
 */
public interface NeuronSelector {
    /** @return true when {@link #select} needs the dense pre-activation gate of every neuron */
    boolean needsGate();

    /**
     * Writes the ids of the neurons that run, ascending, to {@code ids} and returns how many.
     *
     * @param layer the layer
     * @param x     the FFN input (RMS-normed hidden state) of the token, dim values from {@code xOff}
     * @param gate  the pre-activation gate of every neuron when {@link #needsGate()}, else null
     * @param ids   room for every neuron's id
     */
    int select(int layer, float[] x, int xOff, float[] gate, int[] ids);

    /** @return true when {@link #active} knows which neurons truly matter (a predictor's labels), for recall */
    default boolean knowsTruth() {
        return false;
    }

    /** @return whether a neuron with this pre-activation gate counts as active by the labels it was trained on */
    default boolean active(int layer, int neuron, float gate) {
        return true;
    }
}
