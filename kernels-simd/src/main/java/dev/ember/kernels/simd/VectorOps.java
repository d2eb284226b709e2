package dev.ember.kernels.simd;

import dev.ember.kernel.Activation;
import dev.ember.tensor.quant.F16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The float operations of the SIMD kernels: each one a vector body plus a scalar tail, and numerically
 * ggml's choices where they matter, relaxed where ggml's own AVX code relaxes them (sums in float lanes,
 * added in double at the end, instead of the reference's double sums; {@code exp} as a polynomial in
 * vectors, {@link #exp}). The conformance test's float-op tolerances bound the difference.
 */
final class VectorOps {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = F.length();
    private static final float GELU_COEF_A = 0.044715f;
    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;

    private VectorOps() {
    }

    /** out = x * (1 / sqrt(mean(x^2) + eps)) * weight; the squares summed in float lanes, lanes in double. */
    static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        int body = n - n % L;
        double sum = sumSquares(x, xOff, body);
        for (int i = body; i < n; i++) {
            float v = x[xOff + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = 1f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < body; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, weight, i))
                    .intoArray(out, outOff + i);
        }
        for (int i = body; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * weight[i];
        }
    }

    private static double sumSquares(float[] x, int off, int n) {
        // two accumulators: rmsnorm runs over a few thousand values, where one FMA chain would be the bound
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            FloatVector v0 = FloatVector.fromArray(F, x, off + i);
            FloatVector v1 = FloatVector.fromArray(F, x, off + i + L);
            acc0 = v0.fma(v0, acc0);
            acc1 = v1.fma(v1, acc1);
        }
        for (; i < n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            acc0 = v.fma(v, acc0);
        }
        FloatVector total = acc0.add(acc1);
        double sum = 0; // the lanes in order, in double: the same sum interpreted or compiled
        for (int l = 0; l < F.length(); l++) {
            sum += total.lane(l);
        }
        return sum;
    }

    /** In-place softmax: max, exp(x - max) in float (vector exp), the sum in float lanes added in double. */
    static void softmax(float[] x, int off, int n) {
        int body = n - n % L;
        float max = Float.NEGATIVE_INFINITY;
        if (body > 0) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < body; i += L) {
                m = m.max(FloatVector.fromArray(F, x, off + i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (int i = body; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        FloatVector sums = FloatVector.zero(F);
        for (int i = 0; i < body; i += L) {
            FloatVector e = exp(FloatVector.fromArray(F, x, off + i).sub(max));
            sums = sums.add(e);
            e.intoArray(x, off + i);
        }
        double sum = 0; // the lanes in order, in double: the same sum interpreted or compiled
        for (int l = 0; l < L; l++) {
            sum += sums.lane(l);
        }
        for (int i = body; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            sum += e;
            x[off + i] = e;
        }
        float scale = (float) (1.0 / sum);
        for (int i = 0; i < body; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(scale).intoArray(x, off + i);
        }
        for (int i = body; i < n; i++) {
            x[off + i] *= scale;
        }
    }

    /**
     * Rotary embedding. NeoX pairs (i, i + ropeDim/2) are two contiguous runs, rotated in vectors; the
     * normal style's interleaved pairs (2i, 2i+1) would need shuffles for an op that is a rounding error of a
     * step's time, so they stay scalar. Both compute x0 cos - x1 sin, x0 sin + x1 cos in float, as ggml.
     */
    static void rope(float[] x, int off, int heads, int headSize, int ropeDim, float[] cos, float[] sin,
                     int tableOff, boolean neox) {
        int half = ropeDim / 2;
        int body = neox ? half - half % L : 0;
        for (int h = 0; h < heads; h++) {
            int head = off + h * headSize;
            for (int i = 0; i < body; i += L) {
                FloatVector c = FloatVector.fromArray(F, cos, tableOff + i);
                FloatVector s = FloatVector.fromArray(F, sin, tableOff + i);
                FloatVector x0 = FloatVector.fromArray(F, x, head + i);
                FloatVector x1 = FloatVector.fromArray(F, x, head + half + i);
                x0.mul(c).sub(x1.mul(s)).intoArray(x, head + i);
                x0.mul(s).add(x1.mul(c)).intoArray(x, head + half + i);
            }
            for (int i = body; i < half; i++) {
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
     * gate = act(gate) * up. SiLU and ReLU in vectors (SiLU as x / (1 + exp(-x)) with the vector exp); GELU
     * stays scalar because ggml rounds its input and result to half, which is its definition here.
     */
    static void gated(Activation act, float[] gate, float[] up, int off, int n) {
        int body = act == Activation.GELU ? 0 : n - n % L;
        for (int i = off; i < off + body; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector u = FloatVector.fromArray(F, up, i);
            FloatVector r = act == Activation.SILU
                    ? g.div(exp(g.neg()).add(1f)).mul(u)
                    : FloatVector.zero(F).blend(g.mul(u), g.compare(VectorOperators.GT, 0f));
            r.intoArray(gate, i);
        }
        for (int i = off + body; i < off + n; i++) {
            float x = gate[i];
            gate[i] = switch (act) {
                case SILU -> x / (1f + (float) Math.exp(-x)) * up[i];
                case RELU -> x > 0f ? x * up[i] : 0f;
                case GELU -> x <= -10f ? 0f : x >= 10f ? x * up[i] : gelu(x) * up[i];
            };
        }
    }

    /** ggml's GELU for -10 &lt; x &lt; 10: input and result rounded to half (its fp16 table), tanh in float. */
    private static float gelu(float x) {
        float h = F16.toFloat(F16.fromFloat(x));
        float g = 0.5f * h * (1f + (float) Math.tanh(SQRT_2_OVER_PI * h * (1f + GELU_COEF_A * h * h)));
        return F16.toFloat(F16.fromFloat(g));
    }

    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693145752f;      // ln 2 in its first 16 significant bits: n * LN2_HI is exact
    private static final float LN2_LO = 1.42860677e-6f;    // ln 2 - LN2_HI
    private static final float ROUNDER = 12582912f;        // 1.5 * 2^23: adding it rounds to an integer in the low bits
    // exp(b) on |b| <= ln2 / 2: a degree-5 minimax polynomial (the coefficients of ARM's optimized-routines expf)
    private static final float C1 = 0x1.ffffecp-1f;
    private static final float C2 = 0x1.fffdb6p-2f;
    private static final float C3 = 0x1.555e66p-3f;
    private static final float C4 = 0x1.573e2ep-5f;
    private static final float C5 = 0x1.0e4020p-7f;

    /**
     * exp of every lane, within ~2 ulp: {@code 2^n * p(b)} with {@code n = round(x / ln 2)} and {@code b = x - n ln 2}.
     * The Vector API's {@code lanewise(EXP)} calls a vector math library where the JDK has one for the CPU and
     * otherwise falls back to a per-lane loop that boxes (912 KB a decoded TinyLlama token on AVX2 machines);
     * this stays in registers everywhere. x is clamped to [-87.3, 88.3] so 2^n stays a normal float: below, the
     * result is ~1e-38 instead of smaller (softmax and SiLU lose nothing), above, ~2e38 instead of infinity.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector v = x.max(-87.3f).min(88.3f);
        FloatVector z = v.fma(LOG2E, ROUNDER);
        FloatVector n = z.sub(ROUNDER);
        FloatVector b = n.fma(FloatVector.broadcast(F, -LN2_HI), v);
        b = n.fma(FloatVector.broadcast(F, -LN2_LO), b);
        // 2^n: n sits in z's low mantissa bits; shifted into the exponent field and biased
        FloatVector scale = ((IntVector) z.viewAsIntegralLanes()).lanewise(VectorOperators.LSHL, 23)
                .add(0x3f800000).viewAsFloatingLanes().reinterpretAsFloats();
        FloatVector p = b.fma(C5, C4).fma(b, FloatVector.broadcast(F, C3)).fma(b, FloatVector.broadcast(F, C2))
                .fma(b, FloatVector.broadcast(F, C1)).mul(b); // exp(b) - 1
        return p.fma(scale, scale);
    }

    /** @return the dot of a[aOff ..] and b[bOff ..] over n floats: float lanes, two accumulators, double tail */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int body = n - n % L;
        double sum = dotBody(a, aOff, b, bOff, body);
        for (int i = body; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return (float) sum;
    }

    private static double dotBody(float[] a, int aOff, float[] b, int bOff, int n) {
        // two accumulators: head sizes are 64-128, a few vectors, enough to overlap two FMA chains
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
        }
        for (; i < n; i += L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        FloatVector total = acc0.add(acc1);
        double sum = 0; // the lanes in order, in double: the same sum interpreted or compiled
        for (int l = 0; l < F.length(); l++) {
            sum += total.lane(l);
        }
        return sum;
    }

    /**
     * y[yOff ..] += a * x[xOff ..] over n floats: an FMA per value (one rounding instead of the scalar two),
     * the tail with {@link Math#fma} too, so a value's result does not depend on where a range split put it.
     */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int body = n - n % L;
        FloatVector va = FloatVector.broadcast(F, a);
        for (int i = 0; i < body; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (int i = body; i < n; i++) {
            y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
        }
    }

    /**
     * One query head over {@code positions} cached positions: scores q.k (vector dots) times 1/sqrt(headSize),
     * softmax, then the weighted sum of value rows, position by position, into float accumulators
     * ({@code acc}, headSize floats from accOff) written to out at the end.
     */
    static void attendHead(float[] q, int qOff, float[] keys, float[] values, int k, int kvDim, int headSize,
                           int positions, float[] scores, int sOff, float[] acc, int accOff, float[] out, int outOff) {
        float scale = 1f / (float) Math.sqrt(headSize);
        for (int p = 0; p < positions; p++) {
            scores[sOff + p] = dot(q, qOff, keys, k + p * kvDim, headSize) * scale;
        }
        softmax(scores, sOff, positions);
        Arrays.fill(acc, accOff, accOff + headSize, 0f);
        for (int p = 0; p < positions; p++) {
            axpy(scores[sOff + p], values, k + p * kvDim, acc, accOff, headSize);
        }
        System.arraycopy(acc, accOff, out, outOff, headSize);
    }
}
