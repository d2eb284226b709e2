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
 * stories260K in nine GGUF types against llama.cpp's runs ({@code reference/stories260K-*.greedy.json}, full
 * logits, three prompts of 100 greedy tokens): prompt tokens, teacher-forced logits at every position, and
 * free-running greedy tokens. On the kernels a subclass names: this module's {@link Stories260KConformanceTest}
 * runs the scalar reference, the kernel modules run theirs.
 */
public abstract class Stories260KConformance extends LlamaCppConformance {
    protected Stories260KConformance() {
        super("stories260K vs llama.cpp");
    }

    /** Each 2 MB reference file is parsed once per JVM, not once per test. */
    private static final Map<String, List<ReferenceRun>> RUNS = new HashMap<>();

    private static synchronized List<ReferenceRun> runs(String variant) {
        return RUNS.computeIfAbsent(variant, v -> ReferenceRun.loadLlamaCpp(
                SharedData.require("reference/stories260K-" + v + ".greedy.json")));
    }

    private ConformanceRunner model(String variant) {
        return models.model("stories260K-" + variant + ".gguf");
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k_m", "q6_k"})
    void promptTokensMatchLlamaCpp(String variant) {
        ConformanceRunner m = model(variant);
        for (ReferenceRun run : runs(variant)) {
            assertArrayEquals(run.promptIds(), m.tokenizer.encode(run.prompt(), true, false), run.prompt());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k_m", "q6_k"})
    void teacherForcedLogitsMatchLlamaCpp(String variant) {
        ConformanceRunner m = model(variant);
        Tolerance tol = Tolerance.of(m.model.weights());
        for (ReferenceRun run : runs(variant)) {
            ConformanceRunner.TeacherForced r = m.teacherForce(run, tol.maxLogitError());
            report.teacherForced(run.file(), run.prompt(), r, tol.maxLogitError());
            tol.check(run, r);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q6_k"})
    void greedyTokensMatchLlamaCpp(String variant) {
        ConformanceRunner m = model(variant);
        for (ReferenceRun run : runs(variant)) {
            ConformanceRunner.Greedy g = m.greedy(run);
            report.greedy(run.file(), run.prompt(), g);
            assertTrue(g.matched() || g.excused(), run.file() + " \"" + run.prompt() + "\": " + g.description());
        }
    }
}
