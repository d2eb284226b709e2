package dev.ember.model;

import dev.ember.kernel.Activation;
import dev.ember.kernel.Kernels;

/**
 * The dense FFN, every neuron every token: {@code out = W2 (act(W1 x) * W3 x)}, with W1 = ffn_gate, W3 = ffn_up,
 * W2 = ffn_down and act from the config (SiLU, or ReLU for {@code ember.ffn_activation = relu}). One weight pass
 * per matrix for a whole prefill batch. The default {@link FeedForward}; one instance per session (it owns the
 * hidden-layer scratch).
 */
public final class DenseFeedForward implements FeedForward {
    /** Makes a dense FeedForward per session. */
    public static final FeedForward.Factory FACTORY = DenseFeedForward::new;

    private final Weights weights;
    private final Kernels kernels;
    private final Activation activation;
    private final int ffnDim;
    private final float[] gate; // (maxBatch, ffnDim): W1 x, then act(W1 x) * W3 x
    private final float[] up;   // (maxBatch, ffnDim): W3 x

    /**
     * @param weights  the model's weights
     * @param kernels  the session's kernels
     * @param maxBatch the largest batch {@link #apply} will see
     */
    public DenseFeedForward(Weights weights, Kernels kernels, int maxBatch) {
        this.weights = weights;
        this.kernels = kernels;
        this.activation = weights.config().activation();
        this.ffnDim = weights.config().ffnDim();
        this.gate = new float[maxBatch * ffnDim];
        this.up = new float[maxBatch * ffnDim];
    }

    @Override
    public void apply(int layer, float[] x, int batch, float[] out) {
        LayerWeights w = weights.layer(layer);
        // gate = x W1, up = x W3
        Projection.apply(kernels, w.ffnGate(), x, batch, gate);
        Projection.apply(kernels, w.ffnUp(), x, batch, up);
        // gate = act(gate) * up
        kernels.gatedActivation(activation, gate, up, 0, batch * ffnDim);
        // out = gate W2
        Projection.apply(kernels, w.ffnDown(), gate, batch, out);
    }
}
