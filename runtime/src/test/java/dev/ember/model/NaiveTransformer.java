package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Dequantize;

/**
 * An independent oracle for the architecture tests: the llama-family forward pass written out in float64 loops
 * from the equations (HF transformers' Llama/Qwen2/Qwen3 modules, in llama.cpp's tensor layout), sharing no
 * code with {@link Transformer} or the kernels but the GGUF reader. It reads metadata keys itself, and knows each
 * architecture's differences directly: qwen2 adds q/k/v biases, qwen3 a per-head q/k RMSNorm, both NeoX rope;
 * gemma3 (HF Gemma3TextModel) scales the embedding by sqrt(dim), has q/k norms, norms after attention and the FFN,
 * a GELU FFN, queries scaled by 1/sqrt(head size), and five local layers (sliding window, rope base 10000, no
 * scaling) to each global one.
 * Slow and simple; only for small models.
 */
final class NaiveTransformer {
    private final GgufFile file;
    private final String arch;
    private final int dim;
    private final int heads;
    private final int kvHeads;
    private final int headSize;
    private final int vocab;
    private final double eps;
    private final double theta;
    private final double freqScale;
    private final boolean neox;
    private final boolean relu;
    private final int layers;
    private final boolean gemma3;
    private final int window;
    private final double[][][] keys;   // (layers, position, kvDim)
    private final double[][][] values; // (layers, position, kvDim)

    NaiveTransformer(GgufFile file, int contextLength) {
        this.file = file;
        GgufMetadata m = file.metadata();
        this.arch = m.getString("general.architecture");
        String p = arch + ".";
        this.dim = m.getInt(p + "embedding_length");
        this.heads = m.getInt(p + "attention.head_count");
        this.kvHeads = m.getInt(p + "attention.head_count_kv");
        this.headSize = m.getInt(p + "attention.key_length", dim / heads);
        this.vocab = m.getInt(p + "vocab_size");
        this.eps = m.getFloat(p + "attention.layer_norm_rms_epsilon");
        this.theta = m.getFloat(p + "rope.freq_base");
        this.freqScale = 1.0 / m.getFloat(p + "rope.scaling.factor", 1f);
        this.neox = !arch.equals("llama");
        this.gemma3 = arch.equals("gemma3");
        this.window = m.getInt(p + "attention.sliding_window", 0);
        this.relu = m.getString("ember.ffn_activation", "silu").equals("relu");
        this.layers = m.getInt(p + "block_count");
        this.keys = new double[layers][contextLength][];
        this.values = new double[layers][contextLength][];
    }

    /** @return the logits after feeding {@code token} at {@code pos} (every earlier position fed before) */
    double[] step(int token, int pos) {
        double[] x = row("token_embd.weight", token);
        if (gemma3) {
            x = times(x, Math.sqrt(dim));
        }
        for (int l = 0; l < layers; l++) {
            boolean local = gemma3 && (l + 1) % 6 != 0; // five local layers to each global one
            String b = "blk." + l + ".";
            double[] xb = rmsnorm(x, vector(b + "attn_norm.weight"));
            double[] q = add(matvec(b + "attn_q.weight", xb), optional(b + "attn_q.bias"));
            double[] k = add(matvec(b + "attn_k.weight", xb), optional(b + "attn_k.bias"));
            double[] v = add(matvec(b + "attn_v.weight", xb), optional(b + "attn_v.bias"));
            double[] qNorm = optional(b + "attn_q_norm.weight");
            double[] kNorm = optional(b + "attn_k_norm.weight");
            double[] freqs = optional("rope_freqs.weight");
            double base = local ? 10_000 : theta;
            double scale = local ? 1 : freqScale;
            for (int h = 0; h < heads; h++) {
                headNormAndRope(q, h, qNorm, freqs, pos, base, scale);
            }
            for (int h = 0; h < kvHeads; h++) {
                headNormAndRope(k, h, kNorm, freqs, pos, base, scale);
            }
            keys[l][pos] = k;
            values[l][pos] = v;
            double[] att = new double[heads * headSize];
            for (int h = 0; h < heads; h++) {
                int kvh = h / (heads / kvHeads);
                double[] w = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                int first = local ? Math.max(0, pos - window + 1) : 0; // a local query sees the last `window` keys
                for (int t = 0; t < first; t++) {
                    w[t] = Double.NEGATIVE_INFINITY;
                }
                for (int t = first; t <= pos; t++) {
                    double s = 0;
                    for (int i = 0; i < headSize; i++) {
                        s += q[h * headSize + i] * keys[l][t][kvh * headSize + i];
                    }
                    w[t] = s / Math.sqrt(headSize); // gemma3: query_pre_attn_scalar = head size
                    max = Math.max(max, w[t]);
                }
                double sum = 0;
                for (int t = 0; t <= pos; t++) {
                    w[t] = Math.exp(w[t] - max);
                    sum += w[t];
                }
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < headSize; i++) {
                        att[h * headSize + i] += w[t] / sum * values[l][t][kvh * headSize + i];
                    }
                }
            }
            double[] attnOut = add(matvec(b + "attn_output.weight", att), optional(b + "attn_output.bias"));
            double[] postAttn = optional(b + "post_attention_norm.weight");
            x = add(x, postAttn != null ? rmsnorm(attnOut, postAttn) : attnOut);
            xb = rmsnorm(x, vector(b + "ffn_norm.weight"));
            double[] gate = matvec(b + "ffn_gate.weight", xb);
            double[] up = matvec(b + "ffn_up.weight", xb);
            for (int i = 0; i < gate.length; i++) {
                double g = gate[i];
                double a = gemma3 ? geluAsGgml(g) : relu ? Math.max(0, g) : g / (1 + Math.exp(-g));
                gate[i] = a * up[i];
            }
            double[] ffnOut = matvec(b + "ffn_down.weight", gate);
            double[] postFfn = optional(b + "post_ffw_norm.weight");
            x = add(x, postFfn != null ? rmsnorm(ffnOut, postFfn) : ffnOut);
        }
        double[] xb = rmsnorm(x, vector("output_norm.weight"));
        String out = file.findTensor("output.weight") != null ? "output.weight" : "token_embd.weight";
        return add(matvec(out, xb), optional("output.bias"));
    }

    private void headNormAndRope(double[] x, int h, double[] norm, double[] freqs, int pos, double base,
                                 double scale) {
        int off = h * headSize;
        if (norm != null) {
            double[] head = java.util.Arrays.copyOfRange(x, off, off + headSize);
            System.arraycopy(rmsnorm(head, norm), 0, x, off, headSize);
        }
        int half = headSize / 2;
        for (int i = 0; i < half; i++) {
            double angle = scale * pos * Math.pow(base, -2.0 * i / headSize) / (freqs != null ? freqs[i] : 1);
            // llama pairs neighbours (2i, 2i+1); NeoX pairs the halves (i, i + half)
            int a = off + (neox ? i : 2 * i);
            int b = off + (neox ? i + half : 2 * i + 1);
            double x0 = x[a];
            double x1 = x[b];
            x[a] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
            x[b] = x0 * Math.sin(angle) + x1 * Math.cos(angle);
        }
    }

    private double[] rmsnorm(double[] x, double[] w) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1 / Math.sqrt(ss / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * w[i];
        }
        return out;
    }

    private double[] matvec(String name, double[] x) {
        Tensor t = file.tensor(name);
        double[] y = new double[(int) t.rows()];
        for (int r = 0; r < y.length; r++) {
            double[] w = row(name, r);
            for (int i = 0; i < x.length; i++) {
                y[r] += w[i] * x[i];
            }
        }
        return y;
    }

    private double[] row(String name, int r) {
        Tensor t = file.tensor(name);
        float[] f = new float[(int) t.shape().rowLength()];
        Dequantize.row(t, r, f);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private double[] vector(String name) {
        return row(name, 0);
    }

    private double[] optional(String name) {
        return file.findTensor(name) != null ? vector(name) : null;
    }

    /**
     * GELU (tanh form) as llama.cpp evaluates it: input and output rounded to half precision (its fp16 table),
     * identity from 10 and 0 below -10. With the exact formula the 6-layer gemma3 fixture differs by ~1e-3 (the
     * table's rounding); with this, by ~2e-6. The rounding is the JDK's, not Ember's code.
     */
    private static double geluAsGgml(double x) {
        if (x <= -10) {
            return 0;
        }
        if (x >= 10) {
            return x;
        }
        double h = Float.float16ToFloat(Float.floatToFloat16((float) x));
        double g = 0.5 * h * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (h + 0.044715 * h * h * h)));
        return Float.float16ToFloat(Float.floatToFloat16((float) g));
    }

    private static double[] times(double[] x, double f) {
        double[] out = x.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= f;
        }
        return out;
    }

    private static double[] add(double[] x, double[] y) {
        if (y == null) {
            return x;
        }
        double[] out = x.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += y[i];
        }
        return out;
    }

    /** @return the vocabulary size */
    int vocab() {
        return vocab;
    }
}
