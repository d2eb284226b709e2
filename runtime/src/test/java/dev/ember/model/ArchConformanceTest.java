package dev.ember.model;

import dev.ember.kernel.Kernels;
import dev.ember.kernel.ScalarKernels;
import dev.ember.kernel.WorkerPool;

/** {@link ArchConformance} on the scalar reference kernels. */
class ArchConformanceTest extends ArchConformance {
    @Override
    protected Kernels kernels(WorkerPool pool) {
        return new ScalarKernels(pool);
    }

    @Override
    protected String name() {
        return "scalar";
    }
}
