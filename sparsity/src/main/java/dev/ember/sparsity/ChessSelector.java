package dev.ember.sparsity;

import dev.ember.kernel.Activation;

/**
 * CHESS channel thresholds (CATS when every channel of a layer shares one): neuron i runs when
 * |act(gate_i)| >= tau_i, the thresholds calibrated offline ({@code ember calibrate --method chess}).
 */
final class ChessSelector implements NeuronSelector {
    private final float[][] tau;
    private final Activation activation;

    ChessSelector(float[][] tau, Activation activation) {
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
            if (Math.abs(Activations.apply(activation, gate[i])) >= t[i]) {
                ids[count++] = i;
            }
        }
        return count;
    }
}
