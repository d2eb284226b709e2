package dev.ember.model;

import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.kernels.simd.SimdKernels;
import dev.ember.kernels.simd.Species;

/** {@link Stories260KConformance} on the Vector API kernels, at each width surefire runs. */
class SimdStories260KConformanceTest extends Stories260KConformance {
    @Override
    protected Kernels kernels(WorkerPool pool) {
        return new SimdKernels(pool);
    }

    @Override
    protected String name() {
        return "simd " + Species.BITS + "-bit";
    }
}
