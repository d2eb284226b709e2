package dev.ember.model;

import dev.ember.kernel.Kernels;

/**
 * Rotary position embedding with its angles precomputed once per session: for position p and pair i,
 * {@code angle = freqScale * p * theta^(-2i/ropeDim) / freqFactor[i]}, computed exactly as ggml's
 * {@code ggml_rope_cache_init} does (the per-pair frequency reached by repeated float multiplication, then
 * {@code cosf}/{@code sinf}), so the rotated q and k match llama.cpp's to the last bit.
 */
final class Rope {
    private final int headSize;
    private final int ropeDim;
    private final int half;      // ropeDim / 2: pairs rotated per head
    private final boolean neox;
    private final float[] cos;   // (contextLength, ropeDim / 2)
    private final float[] sin;   // (contextLength, ropeDim / 2)

    /**
     * @param config        rope dims, theta, style and linear scale
     * @param freqFactors   Llama 3 frequency factors (ropeDim / 2), or null for none
     * @param contextLength positions to precompute
     */
    Rope(Config config, float[] freqFactors, int contextLength) {
        this(config, freqFactors, contextLength, config.ropeTheta(), config.ropeFreqScale());
    }

    /** The same with another base and linear scale (gemma3's windowed layers: base 10000, unscaled). */
    Rope(Config config, float[] freqFactors, int contextLength, float base, float freqScale) {
        this.headSize = config.headSize();
        this.ropeDim = config.ropeDim();
        this.half = ropeDim / 2;
        this.neox = config.ropeStyle() == RopeStyle.NEOX;
        this.cos = new float[contextLength * half];
        this.sin = new float[contextLength * half];
        // ggml: theta_scale = powf(freq_base, -2.0f/n_dims), in float
        float thetaScale = (float) Math.pow(base, -2.0f / ropeDim);
        for (int p = 0; p < contextLength; p++) {
            float theta = p;
            for (int i = 0; i < half; i++) {
                float factor = freqFactors != null ? freqFactors[i] : 1f;
                float angle = freqScale * (theta / factor);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
                theta *= thetaScale;
            }
        }
    }

    /** Rotates {@code heads} heads of {@code x} starting at {@code off}, all at position {@code pos}. */
    void rotate(Kernels kernels, float[] x, int off, int heads, int pos) {
        kernels.rope(x, off, heads, headSize, ropeDim, cos, sin, pos * half, neox);
    }
}
