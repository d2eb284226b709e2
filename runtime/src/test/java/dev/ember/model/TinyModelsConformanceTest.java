package dev.ember.model;

import dev.ember.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tiny-silu and tiny-relu (F32, 5.5M parameters) against the PyTorch float64 oracle
 * ({@code reference/tiny-<act>--<prompt>.json}: full logits at every position, 64 greedy tokens). tiny-relu only
 * matches when {@code ember.ffn_activation = relu} is honoured.
 */
class TinyModelsConformanceTest {
    private static final ConformanceReport REPORT = new ConformanceReport("tiny models vs PyTorch float64");
    private static ModelFixture models;

    @BeforeAll
    static void load() {
        models = new ModelFixture();
    }

    @AfterAll
    static void close() {
        REPORT.print();
        models.close();
    }

    @ParameterizedTest
    @CsvSource({"silu, once-upon-a-time", "silu, the-little-dog", "silu, she-opened-the-box-and",
            "relu, once-upon-a-time", "relu, the-little-dog", "relu, she-opened-the-box-and"})
    void matchesFloat64Reference(String activation, String prompt) {
        ConformanceRunner m = models.model("tiny-" + activation + "-f32.gguf");
        ReferenceRun run = ReferenceRun.loadTiny(SharedData.require("reference/tiny-" + activation + "--" + prompt
                + ".json"));
        assertEquals(activation, m.model.config().ffnActivation());
        assertArrayEquals(run.promptIds(), m.tokenizer.encode(run.prompt(), true, false), "prompt tokens");

        ConformanceRunner.TeacherForced r = m.teacherForce(run, Tolerance.F32.maxLogitError());
        REPORT.teacherForced(run.file(), run.prompt(), r, Tolerance.F32.maxLogitError());
        Tolerance.F32.check(run, r);

        ConformanceRunner.Greedy g = m.greedy(run);
        REPORT.greedy(run.file(), run.prompt(), g);
        assertTrue(g.matched() || g.excused(), run.file() + ": " + g.description());
    }
}
