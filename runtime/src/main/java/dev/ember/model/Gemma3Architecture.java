package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;

/**
 * {@code gemma3}: Gemma 3 (text). Gemma 2's block (embedding scaled by sqrt(dim), norms after attention and the
 * FFN, GELU FFN, NeoX rope, queries scaled by 1/sqrt(key_length), or 1/sqrt(dim / heads) for the 62-layer 27B)
 * with a per-head q/k RMSNorm and no softcapping. Five of every six layers are local: a sliding window
 * ({@code gemma3.attention.sliding_window}) and rope base 10000 without scaling; every sixth layer is global: the
 * file's rope base and linear scaling. The output is the token embedding unless the file has {@code output.weight}.
 * The llama.cpp in ../shared predates gemma3: this follows the published architecture (HF Gemma3) in
 * llama.cpp's tensor names and is checked against a float64 forward pass (ArchitecturesTest).
 */
final class Gemma3Architecture implements Architecture {
    /** Local : global layers, 5 : 1. */
    static final int PATTERN = 6;
    /** The rope base of the local layers. */
    static final float LOCAL_ROPE_BASE = 10_000f;

    @Override
    public String name() {
        return "gemma3";
    }

    @Override
    public Config config(GgufMetadata m) {
        Config c = Config.read(m, RopeStyle.NEOX);
        float query = Gemma2Architecture.queryScale(c, 62);
        return c.withSlidingWindow(m.getInt("gemma3.attention.sliding_window", 4096), PATTERN)
                .withGemma("gelu", (float) Math.sqrt((float) c.dim()), query, 0f, 0f)
                .withLocalRope(LOCAL_ROPE_BASE);
    }

    @Override
    public Weights weights(GgufFile file, Config config) {
        return Weights.map(file, config, LayerWeights.Extras.QK_NORM_POST_NORMS, false, false);
    }
}
