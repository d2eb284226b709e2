package dev.ember.model;

import dev.ember.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The architectures besides plain llama against llama.cpp: {@code ../shared/models/synth-<arch>-{F16,Q8_0}.gguf}
 * (random weights; README-arch.md says how they were made) with llama.cpp's runs in
 * {@code reference/arch/<file>.greedy.json} (three prompts, top-20 logits, 32 greedy tokens): prompt tokens,
 * teacher-forced logits within the type family's tolerance, and free-running greedy tokens for every file (a
 * divergence right after a step whose reference margin is below the tolerance is excused and reported).
 * On the kernels a subclass names, as the stories260K and synth256 suites run.
 */
public abstract class ArchConformance extends LlamaCppConformance {
    protected ArchConformance() {
        super("synth-<arch> vs llama.cpp, top-20 logits");
    }

    private static final Map<String, List<ReferenceRun>> RUNS = new HashMap<>();

    private static synchronized List<ReferenceRun> runs(String stem) {
        return RUNS.computeIfAbsent(stem, s -> ReferenceRun.loadLlamaCpp(
                SharedData.require("reference/arch/" + s + ".greedy.json")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"synth-qwen2-F16", "synth-qwen2-Q8_0", "synth-llama3-F16", "synth-llama3-Q8_0",
        "synth-phi3-F16", "synth-phi3-Q8_0", "synth-gemma2-F16", "synth-gemma2-Q8_0", "synth-gemma2-46L-F16",
        "synth-gemma2-46L-Q8_0"})
    void matchesLlamaCpp(String stem) {
        ConformanceRunner m = models.model(stem + ".gguf");
        Tolerance tol = Tolerance.of(m.model.weights());
        for (ReferenceRun run : runs(stem)) {
            assertArrayEquals(run.promptIds(), m.tokenizer.encode(run.prompt(), true, false), run.prompt());
            ConformanceRunner.TeacherForced r = m.teacherForce(run, tol.maxLogitError());
            report.teacherForced(run.file(), run.prompt(), r, tol.maxLogitError());
            tol.check(run, r);
            // a step whose reference margin is below the logit tolerance may go either way (README-arch.md)
            ConformanceRunner.Greedy g = m.greedy(run, tol.maxLogitError());
            report.greedy(run.file(), run.prompt(), g);
            assertTrue(g.matched() || g.excused(), run.file() + " \"" + run.prompt() + "\": " + g.description());
        }
    }
}
