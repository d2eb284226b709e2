package dev.ember.model;

import dev.ember.kernel.Kernels;
import dev.ember.kernel.ScalarKernels;
import dev.ember.kernel.WorkerPool;

/** {@link Stories260KConformance} on the scalar reference kernels. */
class Stories260KConformanceTest extends Stories260KConformance {
    @Override
    protected Kernels kernels(WorkerPool pool) {
        return new ScalarKernels(pool);
    }

    @Override
    protected String name() {
        return "scalar";
    }
}
