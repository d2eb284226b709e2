package dev.ember.sparsity.chess;

import dev.ember.kernel.Activation;
import dev.ember.sparsity.NeuronSelector;

/**
 * CHESS channel thresholds (CATS when every channel of a layer shares one): neuron i runs unless
 * {@link ChessThresholds#skips} (|act(gate_i)| < tau_i, or exactly zero), the thresholds calibrated offline
 * ({@code ember calibrate --method chess}).
 */
public final class ChessSelector implements NeuronSelector {
    private final float[][] tau;
    private final Activation activation;

    public ChessSelector(float[][] tau, Activation activation) {
        this.tau = tau;
        this.activation = activation;
    }

    @Override
    public boolean needsGate() {
        return true;
    }

    @Override
    public int select(int layer, float[] x, int xOff, float[] gate, int[] ids) {
        float[] t = tau[layer];
        int count = 0;
        for (int i = 0; i < gate.length; i++) {
            if (!ChessThresholds.skips(activation.apply(gate[i]), t[i])) {
                ids[count++] = i;
            }
        }
        return count;
    }
}
