package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.kernel.Kernels;
import dev.ember.tokenizer.Tokenizer;
import dev.ember.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one model against reference runs the way the references were made: the prompt as one batch with the
 * logits of every row, then one token per step. Teacher forcing feeds the reference's tokens and compares every
 * row; greedy feeds its own argmax and compares the tokens.
 */
final class ConformanceRunner implements AutoCloseable {
    /** A divergence after a reference margin below this is a near-tie, excused (and reported). */
    static final double NEAR_TIE = 1e-3;

    final GgufFile gguf;
    final Transformer model;
    final Tokenizer tokenizer;
    private final SessionState state;
    private final int vocab;

    ConformanceRunner(Path file, Kernels kernels, int contextLength, int maxBatch) {
        this.gguf = GgufFile.open(file);
        this.model = Transformer.load(gguf);
        this.tokenizer = Tokenizers.fromGguf(gguf.metadata());
        this.state = model.newState(kernels, contextLength, maxBatch, DenseFeedForward.FACTORY);
        this.vocab = model.config().vocabSize();
    }

    /**
     * @param maxError     largest |Δlogit| over the compared logits of every row
     * @param worstRow     the row where it occurred
     * @param rowErrors    per row, the largest |Δlogit|
     * @param argmaxFlips  rows whose argmax differs although the reference margin exceeds the tolerance
     * @param nearTieFlips rows whose argmax differs within the tolerance (allowed)
     */
    record TeacherForced(double maxError, int worstRow, double[] rowErrors, List<String> argmaxFlips,
                         List<String> nearTieFlips) {
        /** @return how many rows are within {@code bound} */
        long rowsWithin(double bound) {
            return java.util.Arrays.stream(rowErrors).filter(e -> e <= bound).count();
        }

        /** @return the first row whose error exceeds {@code bound}, or -1 */
        int firstRowAbove(double bound) {
            for (int p = 0; p < rowErrors.length; p++) {
                if (rowErrors[p] > bound) {
                    return p;
                }
            }
            return -1;
        }
    }

    /** Feeds prompt ++ generated and compares each reference row; argmax is checked where margin > tolerance. */
    TeacherForced teacherForce(ReferenceRun run, double argmaxTolerance) {
        int[] seq = run.sequence();
        int rows = run.rows().size();
        int prompt = run.promptIds().length;
        double[] errors = new double[rows];
        List<String> flips = new ArrayList<>();
        List<String> nearTies = new ArrayList<>();
        state.reset();
        model.forward(state, seq, 0, prompt, true);
        float[] promptLogits = state.logits().clone(); // (prompt, vocab): the next forwards overwrite it
        for (int p = 0; p < rows; p++) {
            float[] ours;
            int off;
            if (p < prompt) {
                ours = promptLogits;
                off = p * vocab;
            } else {
                model.forward(state, seq, p, 1, false);
                ours = state.logits();
                off = 0;
            }
            ReferenceRun.Row ref = run.rows().get(p);
            errors[p] = rowError(ref, ours, off);
            int ourBest = argmax(ours, off, vocab);
            if (ourBest != ref.argmax()) {
                String what = "row " + p + ": argmax " + ourBest + ", reference " + ref.argmax() + " (margin "
                        + String.format("%.2g", ref.margin()) + ")";
                (ref.margin() > argmaxTolerance ? flips : nearTies).add(what);
            }
        }
        int worst = 0;
        for (int p = 1; p < rows; p++) {
            worst = errors[p] > errors[worst] ? p : worst;
        }
        return new TeacherForced(errors[worst], worst, errors, flips, nearTies);
    }

    /**
     * @param matched     true if every generated token equals the reference's
     * @param divergedAt  index into generated of the first difference, or -1
     * @param excused     true if that difference followed a near-tie of the reference (a margin below the bound)
     * @param description one line for the report
     */
    record Greedy(boolean matched, int divergedAt, boolean excused, String description) {
    }

    /** Free-running greedy decoding from the prompt; a divergence after a margin below {@link #NEAR_TIE} is excused. */
    Greedy greedy(ReferenceRun run) {
        return greedy(run, NEAR_TIE);
    }

    /**
     * Free-running greedy decoding from the prompt; compares with the reference's generated tokens. A divergence
     * right after a step whose reference margin is below {@code nearTie} is excused (and reported).
     */
    Greedy greedy(ReferenceRun run, double nearTie) {
        int[] gen = run.generated();
        int prompt = run.promptIds().length;
        int[] token = new int[1];
        state.reset();
        model.forward(state, run.promptIds(), 0, prompt, false);
        for (int i = 0; i < gen.length; i++) {
            token[0] = argmax(state.logits(), 0, vocab);
            if (token[0] != gen[i]) {
                double margin = run.rows().get(prompt - 1 + i).margin();
                boolean excused = margin < nearTie;
                return new Greedy(false, i, excused, "diverged at generated token " + i + ": " + token[0]
                        + " instead of " + gen[i] + ", reference margin " + String.format("%.2g", margin)
                        + (excused ? " (near-tie: excused)" : ""));
            }
            if (i + 1 < gen.length) {
                model.forward(state, token, 0, 1, false);
            }
        }
        return new Greedy(true, -1, false, gen.length + "/" + gen.length + " tokens");
    }

    private double rowError(ReferenceRun.Row ref, float[] ours, int off) {
        double max = 0;
        if (ref.ids() == null) {
            for (int t = 0; t < vocab; t++) {
                max = Math.max(max, Math.abs(ours[off + t] - ref.logits()[t]));
            }
        } else {
            for (int i = 0; i < ref.ids().length; i++) {
                max = Math.max(max, Math.abs(ours[off + ref.ids()[i]] - ref.logits()[i]));
            }
        }
        return max;
    }

    /** @return the index of the largest of {@code x[off .. off+n)}, the lowest on ties (llama.cpp's greedy) */
    static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /** @return the index of the largest of {@code x[0 .. n)}, the lowest on ties */
    static int argmax(float[] x, int n) {
        return argmax(x, 0, n);
    }

    @Override
    public void close() {
        gguf.close();
    }
}
