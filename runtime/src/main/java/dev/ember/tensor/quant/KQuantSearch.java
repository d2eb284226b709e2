package dev.ember.tensor.quant;

/**
 * The scale searches of ggml's K-quant reference quantizers ({@code make_qx_quants} and
 * {@code make_qkx2_quants} in {@code ggml-quants.c}), without importance weights. They try a handful of
 * scales around the obvious one and keep the one with the least weighted squared error. The float
 * operations run in ggml's order so that the levels and scales, and so the block bytes, come out the
 * same; reordering a sum here changes which candidate wins on near-ties.
 */
final class KQuantSearch {
    /** Below this, a group counts as all zeros. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantSearch() {
    }

    /**
     * Symmetric levels for {@code x[xOff..xOff+n)} in -nmax..nmax-1, stored as level + nmax in
     * {@code levels[lOff..]}, weighting each value by its square. The value of largest magnitude maps
     * to -nmax; then 18 nearby scales are tried.
     *
     * @return the scale (negative when the largest-magnitude value is positive), 0 for an all-zero group
     */
    static float symmetric(int n, int nmax, float[] x, int xOff, byte[] levels, int lOff) {
        float max = 0f;
        float amax = 0f;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xOff + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xOff + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[lOff + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0f;
        float suml2 = 0f;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            int l = clamp(BlockMath.nearestInt(iscale * v), -nmax, nmax - 1);
            levels[lOff + i] = (byte) (l + nmax);
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0f ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0f;
            suml2 = 0f;
            for (int i = 0; i < n; i++) {
                float v = x[xOff + i];
                int l = clamp(BlockMath.nearestInt(iscale * v), -nmax, nmax - 1);
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0f && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = clamp(BlockMath.nearestInt(iscale * x[xOff + i]), -nmax, nmax - 1);
                    levels[lOff + i] = (byte) (l + nmax);
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * Levels 0..nmax with an offset for {@code x[xOff..xOff+n)}: x ~ scale * level - min, min &gt;= 0,
     * fitted by weighted least squares over {@code nstep + 1} candidate scales
     * {@code (nmax + rmin + rdelta * is) / (max - min)}. Levels go to {@code levels[lOff..]}; the
     * candidate being tried uses {@code aux[0..n)}.
     *
     * @param mins  receives the min at {@code mins[minIdx]}, as a positive number to subtract
     * @return the scale
     */
    static float withMin(int n, int nmax, float[] x, int xOff, float[] weights, byte[] levels, int lOff,
                         float[] mins, int minIdx, byte[] aux, float rmin, float rdelta, int nstep) {
        float min = x[xOff];
        float max = x[xOff];
        float sumW = weights[0];
        float sumX = sumW * x[xOff];
        for (int i = 1; i < n; i++) {
            float v = x[xOff + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            sumW += weights[i];
            sumX += weights[i] * v;
        }
        if (min > 0f) {
            min = 0f;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[lOff + i] = 0;
            }
            mins[minIdx] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1f / iscale;
        float bestError = 0f;
        for (int i = 0; i < n; i++) {
            int l = clamp(BlockMath.nearestInt(iscale * (x[xOff + i] - min)), 0, nmax);
            levels[lOff + i] = (byte) l;
            float diff = scale * l + min - x[xOff + i];
            bestError += weights[i] * (diff * diff);
        }
        if (nstep < 1) {
            mins[minIdx] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0f;
            float sumL2 = 0f;
            float sumXL = 0f;
            for (int i = 0; i < n; i++) {
                int l = clamp(BlockMath.nearestInt(iscale * (x[xOff + i] - min)), 0, nmax);
                aux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xOff + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0f) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0f) {
                    thisMin = 0f;
                    thisScale = sumXL / sumL2;
                }
                float error = 0f;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xOff + i];
                    error += weights[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, levels, lOff, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[minIdx] = -min;
        return scale;
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
