package dev.ember.model;

import dev.ember.kernel.Kernels;
import dev.ember.kernel.ScalarKernels;
import dev.ember.kernel.WorkerPool;

/** {@link Synth256Conformance} on the scalar reference kernels. */
class Synth256ConformanceTest extends Synth256Conformance {
    @Override
    protected Kernels kernels(WorkerPool pool) {
        return new ScalarKernels(pool);
    }

    @Override
    protected String name() {
        return "scalar";
    }
}
