package dev.ember.model;

import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.kernels.simd.SimdKernels;
import dev.ember.kernels.simd.Species;

/** {@link ArchConformance} on the Vector API kernels, at each width surefire runs. */
class SimdArchConformanceTest extends ArchConformance {
    @Override
    protected Kernels kernels(WorkerPool pool) {
        return new SimdKernels(pool);
    }

    @Override
    protected String name() {
        return "simd " + Species.BITS + "-bit";
    }
}
