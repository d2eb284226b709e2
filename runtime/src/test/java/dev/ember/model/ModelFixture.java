package dev.ember.model;

import dev.ember.SharedData;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.ScalarKernels;
import dev.ember.kernel.WorkerPool;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The shared models of one test class: the scalar reference kernels (or those given) on a 2-thread pool, each
 * model file loaded once (on first use) and closed with the class.
 */
final class ModelFixture implements AutoCloseable {
    /** The references were computed with a context of 512; the tiny models' own context is 256. */
    private static final int CONTEXT = 256;
    /** Larger than every reference prompt, so each prompt is one batch, as llama.cpp evaluated it. */
    private static final int MAX_BATCH = 64;

    private final WorkerPool pool = new WorkerPool(2);
    private final Kernels kernels;
    private final Map<String, ConformanceRunner> models = new LinkedHashMap<>();

    ModelFixture() {
        this(ScalarKernels::new);
    }

    /** @param kernels makes the kernels under test on this fixture's pool */
    ModelFixture(Function<WorkerPool, Kernels> kernels) {
        this.kernels = kernels.apply(pool);
    }

    /** @return the model {@code ../shared/models/<file>}, loaded once */
    ConformanceRunner model(String file) {
        return models.computeIfAbsent(file, f -> new ConformanceRunner(SharedData.require("models/" + f), kernels,
                CONTEXT, MAX_BATCH));
    }

    @Override
    public void close() {
        models.values().forEach(ConformanceRunner::close);
        pool.close();
    }
}
