package dev.ember.model;

import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.kernels.ffm.NativeKernelProvider;
import dev.ember.kernels.ffm.NativeTests;
import org.junit.jupiter.api.BeforeAll;

/** {@link Stories260KConformance} on the native kernels: llama.cpp's logits and tokens from the C dots. */
class NativeStories260KConformanceTest extends Stories260KConformance {
    @BeforeAll
    void libraryLoads() {
        NativeTests.assumeLibraryLoads();
    }

    @Override
    protected Kernels kernels(WorkerPool pool) {
        return new NativeKernelProvider().create(pool);
    }

    @Override
    protected String name() {
        return "native";
    }
}
