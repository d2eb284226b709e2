package dev.ember.kernel;

import dev.ember.tensor.quant.F16;

/**
 * The float operations of the scalar kernels, each written as ggml's CPU backend computes it
 * ({@code ggml-cpu/ops.cpp}, {@code vec.h}): which sums run in double, which products and functions in
 * float. Single-threaded; {@link ScalarKernels} checks the arguments and splits attention by head.
 */
final class FloatOps {
    /** ggml's {@code GELU_COEF_A}. */
    private static final float GELU_COEF_A = 0.044715f;
    /** ggml's {@code SQRT_2_OVER_PI}, as a float. */
    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;

    private FloatOps() {
    }

    /**
     * {@code ggml_compute_forward_rms_norm_f32} then the multiply by the weight: squares in float summed in
     * double, mean narrowed to float, scale = 1 / sqrtf(mean + eps), out = (x * scale) * weight.
     */
    static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = 1f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * weight[i];
        }
    }

    /**
     * {@code ggml_compute_forward_soft_max_f32}: max in float, exp(x - max) in float summed in double, then
     * every value times (float) (1 / sum).
     */
    static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            sum += e;
            x[off + i] = e;
        }
        float scale = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= scale;
        }
    }

    /**
     * ggml's {@code rotate_pairs}: x0' = x0 cos - x1 sin, x1' = x0 sin + x1 cos in float, for pair i of
     * the first {@code ropeDim} dims of each head; (2i, 2i+1) normally, (i, i + ropeDim/2) for NeoX.
     */
    static void rope(float[] x, int off, int heads, int headSize, int ropeDim, float[] cos, float[] sin,
                     int tableOff, boolean neox) {
        int half = ropeDim / 2;
        for (int h = 0; h < heads; h++) {
            int head = off + h * headSize;
            for (int i = 0; i < half; i++) {
                int i0 = neox ? head + i : head + 2 * i;
                int i1 = neox ? i0 + half : i0 + 1;
                float c = cos[tableOff + i];
                float s = sin[tableOff + i];
                float x0 = x[i0];
                float x1 = x[i1];
                x[i0] = x0 * c - x1 * s;
                x[i1] = x0 * s + x1 * c;
            }
        }
    }

    /**
     * gate = act(gate) * up as ggml-cpu's fused {@code swiglu}/{@code reglu}/{@code geglu} compute it: SiLU in
     * float, ReLU as x &gt; 0 ? x * up : 0, GELU through ggml's half-precision table ({@link #gelu}).
     */
    static void gated(Activation act, float[] gate, float[] up, int off, int n) {
        switch (act) {
            case SILU -> {
                for (int i = off; i < off + n; i++) {
                    gate[i] = silu(gate[i]) * up[i];
                }
            }
            case RELU -> {
                for (int i = off; i < off + n; i++) {
                    gate[i] = gate[i] > 0f ? gate[i] * up[i] : 0f;
                }
            }
            case GELU -> {
                for (int i = off; i < off + n; i++) {
                    float x = gate[i];
                    gate[i] = x <= -10f ? 0f : x >= 10f ? x * up[i] : gelu(x) * up[i];
                }
            }
        }
    }

    /** ggml's {@code ggml_silu_f32}: x / (1 + expf(-x)). */
    static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
    }

    /**
     * GELU for -10 &lt; x &lt; 10 as ggml-cpu computes it for floats ({@code GGML_GELU_FP16} is always defined):
     * x rounded to half, the tanh approximation {@code ggml_gelu_f32} evaluated in float on that half, the
     * result rounded to half. ggml reads that from a 65536-entry table; computing the entry is the same value.
     */
    static float gelu(float x) {
        float h = F16.toFloat(F16.fromFloat(x));
        float g = 0.5f * h * (1f + (float) Math.tanh(SQRT_2_OVER_PI * h * (1f + GELU_COEF_A * h * h)));
        return F16.toFloat(F16.fromFloat(g));
    }

    /**
     * One query head over {@code positions} cached positions, as llama.cpp's attention without flash
     * attention and with an F32 cache: scores q.k as an F32 dot (products in float, sum in double), times
     * {@code scale} in float (1/sqrt(headSize) but for gemma2); with a softcap c &gt; 0, {@code c * tanh(s / c)}
     * as ggml's scale, tanh, scale; {@link #softmax}; then each output value is the F32 dot of the softmax
     * weights with that value column (again a double sum of float products).
     *
     * @param k       offset of this head's KV head in position 0 of keys and values
     * @param softcap the attention-logit cap, or 0 for none
     * @param scores  scratch for this head's {@code positions} scores, from {@code sOff}
     * @param sums    scratch for this head's {@code headSize} double sums, from {@code sumOff}
     */
    static void attendHead(float[] q, int qOff, float[] keys, float[] values, int k, int kvDim, int headSize,
                           int positions, float scale, float softcap, float[] scores, int sOff, double[] sums,
                           int sumOff, float[] out, int outOff) {
        for (int p = 0; p < positions; p++) {
            int key = k + p * kvDim;
            double dot = 0;
            for (int d = 0; d < headSize; d++) {
                dot += q[qOff + d] * keys[key + d];
            }
            float s = (float) dot * scale;
            scores[sOff + p] = softcap > 0 ? softcap * (float) Math.tanh(s * (1f / softcap)) : s;
        }
        softmax(scores, sOff, positions);
        for (int d = 0; d < headSize; d++) {
            sums[sumOff + d] = 0;
        }
        // position-major so that values are read in memory order; each output's sum still runs over p in order
        for (int p = 0; p < positions; p++) {
            float wp = scores[sOff + p];
            int value = k + p * kvDim;
            for (int d = 0; d < headSize; d++) {
                sums[sumOff + d] += values[value + d] * wp;
            }
        }
        for (int d = 0; d < headSize; d++) {
            out[outOff + d] = (float) sums[sumOff + d];
        }
    }
}
