package dev.ember.sparsity.relu;

import dev.ember.sparsity.NeuronSelector;

/**
 * ReLU exact (ProSparse-style models, {@code ember.ffn_activation = relu}): a neuron whose gate is not
 * positive has relu(gate) = 0 and adds exactly nothing, so skipping its up and down rows is lossless.
 */
public final class ReluSelector implements NeuronSelector {
    @Override
    public boolean needsGate() {
        return true;
    }

    @Override
    public int select(int layer, float[] x, int xOff, float[] gate, int[] ids) {
        int count = 0;
        for (int i = 0; i < gate.length; i++) {
            if (gate[i] > 0f) {
                ids[count++] = i;
            }
        }
        return count;
    }
}
