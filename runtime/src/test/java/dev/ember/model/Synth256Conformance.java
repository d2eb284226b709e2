package dev.ember.model;

import dev.ember.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * synth256, one random-weight llama in twelve GGUF types (every block format, rows of 256 and 768), against
 * llama.cpp's runs ({@code reference/synth256-*.greedy.json}: the top 20 logits per position, 32 greedy tokens).
 * On the kernels a subclass names: {@link Synth256ConformanceTest} runs the scalar reference, the kernel modules
 * theirs (the only llama.cpp references whose rows are long enough for the K-quants' 256-value blocks).
 */
public abstract class Synth256Conformance extends LlamaCppConformance {
    protected Synth256Conformance() {
        super("synth256 vs llama.cpp, top-20 logits");
    }

    private static ReferenceRun run(String type) {
        return ReferenceRun.loadLlamaCpp(SharedData.require("reference/synth256-" + type + ".greedy.json")).getFirst();
    }

    @ParameterizedTest
    @ValueSource(strings = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M", "Q4_K_M",
            "Q5_K_M", "Q6_K"})
    void matchesLlamaCpp(String type) {
        ConformanceRunner m = models.model("synth256-" + type + ".gguf");
        ReferenceRun run = run(type);
        assertArrayEquals(run.promptIds(), m.tokenizer.encode(run.prompt(), true, false), "prompt tokens");

        Tolerance tol = Tolerance.of(m.model.weights());
        ConformanceRunner.TeacherForced r = m.teacherForce(run, tol.maxLogitError());
        report.teacherForced(run.file(), run.prompt(), r, tol.maxLogitError());
        tol.check(run, r);

        if (type.equals("F16") || type.equals("Q8_0")) {
            ConformanceRunner.Greedy g = m.greedy(run);
            report.greedy(run.file(), run.prompt(), g);
            assertTrue(g.matched() || g.excused(), run.file() + ": " + g.description());
        }
    }
}
