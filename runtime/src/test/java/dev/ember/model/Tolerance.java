package dev.ember.model;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How far Ember's logits may be from a reference's, per weight-type family, and the check that applies it.
 * Measured with the scalar kernels (2 threads; results do not depend on the thread count) on every reference
 * file, teacher-forced; each bound is the family's largest measured max |Δlogit| with headroom.
 *
 * <p>Why the quantized bounds are not ~1e-5: llama.cpp quantizes each activation vector to Q8_0/Q8_1/Q8_K
 * before its integer dot products, and the scalar kernels do the same, so rows agree to ~2e-6 until one
 * activation value lands within float rounding of a half-step and rounds the other way (our float sums are
 * ordered differently from llama.cpp's AVX2 ones). That value then differs by one quantization step (amax/127
 * of its block), and the difference travels on through the KV cache: 0.1-0.3 on stories260K, whose logits are
 * sharp, less on synth256. README-stories260K.md describes the same effect in its own emulation.
 *
 * @param family         the type family, for messages
 * @param maxLogitError  largest allowed |Δlogit| over every compared logit of a run
 */
record Tolerance(String family, double maxLogitError) {
    /** F32 weights: the bound. Measured: at most 1.1e-5 (llama.cpp and the float64 oracles). */
    static final Tolerance F32 = new Tolerance("F32", 1e-3);
    /**
     * F16 / BF16 weights (activations rounded to F16/BF16, as llama.cpp does). Measured: 0.0108 stories260K-f16,
     * 0.0029 synth256-F16, 0.0154 synth256-BF16; the README reports llama.cpp itself moving by ~0.005 between
     * batched and one-by-one evaluation of the F16 file.
     */
    static final Tolerance HALF = new Tolerance("F16/BF16", 0.03);
    /** Q8_0 weights (with F16 ffn_down in stories260K). Measured: 0.281 stories260K-q8_0/q6_k, 0.024 synth256. */
    static final Tolerance Q8 = new Tolerance("Q8_0", 0.4);
    /** 4- and 5-bit legacy blocks. Measured: 0.324 stories260K-q4_0 (0.23-0.32 for the others), 0.091 synth256. */
    static final Tolerance LOWBIT = new Tolerance("Q4_0/Q4_1/Q5_0/Q5_1", 0.5);
    /** K-quant super-blocks (synth256 only: stories260K has none). Measured: 0.085 synth256-Q6_K. */
    static final Tolerance K_QUANT = new Tolerance("K-quants", 0.15);

    /**
     * @return the family of a model by the weight types it actually holds (names mislead: stories260K's
     *         "q6_k" file holds Q8_0 tensors and its "q4_k_m" file Q5_0 ones): its least precise matrix type
     */
    static Tolerance of(Weights w) {
        Set<GgmlType> types = EnumSet.noneOf(GgmlType.class);
        types.add(w.tokenEmbedding().type());
        types.add(w.output().type());
        for (LayerWeights l : w.layers()) {
            for (Tensor t : List.of(l.attnQ(), l.attnK(), l.attnV(), l.attnOutput(), l.ffnGate(), l.ffnUp(),
                    l.ffnDown())) {
                types.add(t.type());
            }
        }
        if (types.stream().anyMatch(t -> t.name().endsWith("_K"))) {
            return K_QUANT;
        } else if (types.stream().anyMatch(t -> t.name().matches("Q[45]_[01]"))) {
            return LOWBIT;
        } else if (types.contains(GgmlType.Q8_0)) {
            return Q8;
        } else if (types.contains(GgmlType.F16) || types.contains(GgmlType.BF16)) {
            return HALF;
        }
        return F32;
    }

    /** Asserts the run's max error and that argmax agrees wherever the reference margin exceeds the tolerance. */
    void check(ReferenceRun run, ConformanceRunner.TeacherForced r) {
        String where = run.file() + " \"" + run.prompt() + "\"";
        assertTrue(r.maxError() <= maxLogitError, where + ": max |Δlogit| " + r.maxError() + " at row "
                + r.worstRow() + " exceeds the " + family + " tolerance " + maxLogitError);
        assertTrue(r.argmaxFlips().isEmpty(), where + ": argmax differs where the reference margin exceeds "
                + maxLogitError + ": " + r.argmaxFlips());
    }
}
