package dev.ember.model;

import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.kernels.ffm.NativeKernelProvider;
import dev.ember.kernels.ffm.NativeTests;
import org.junit.jupiter.api.BeforeAll;

/** {@link Synth256Conformance} on the native kernels: llama.cpp's logits from the C dots, K-quants included. */
class NativeSynth256ConformanceTest extends Synth256Conformance {
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
