package dev.ember.model;

import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * What a suite of models-against-llama.cpp tests shares, whatever kernels it runs on: the kernels a subclass
 * names, on a {@link ModelFixture} made once per class, and a {@link ConformanceReport} printed at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class LlamaCppConformance {
    protected final ConformanceReport report;
    protected ModelFixture models;

    /** @param title what the report compares, to which " (NAME kernels)" is appended */
    protected LlamaCppConformance(String title) {
        this.report = new ConformanceReport(title + " (" + name() + " kernels)");
    }

    /** @return the kernels under test, on {@code pool} */
    protected abstract Kernels kernels(WorkerPool pool);

    /** @return the kernels' name, for the report */
    protected abstract String name();

    @BeforeAll
    void load() {
        models = new ModelFixture(this::kernels);
    }

    @AfterAll
    void close() {
        report.print();
        models.close();
    }
}
