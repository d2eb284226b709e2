package dev.ember.kernels.ffm;

import dev.ember.kernel.KernelConformanceTest;
import dev.ember.kernel.KernelOracle;
import dev.ember.kernel.KernelProvider;
import dev.ember.kernel.KernelSelection;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.kernels.simd.SimdKernels;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The C kernels pass the conformance suite (for Q4_0, Q8_0, Q4_K and Q6_K their own code, for every other
 * op the simd kernels they fall back to), agree with the scalar reference within float rounding, compute a token of
 * prefill exactly as its decode, and allocate nothing once warm. Skipped, with the reason, where the library
 * is not built; but where gcc exists the build must have produced it.
 */
class NativeKernelsTest extends KernelConformanceTest {
    @BeforeEach
    void libraryLoads() {
        NativeTests.assumeLibraryLoads();
    }

    @Override
    protected Kernels create(WorkerPool pool) {
        return new NativeKernels(pool, new SimdKernels(pool));
    }

    @Test
    void theLibraryIsBuiltWhereACompilerExists() {
        boolean buildable = Files.isExecutable(Path.of("/usr/bin/gcc"))
                && NativeLibrary.platform().equals("linux-x86_64");
        assumeTrue(buildable, "no gcc on linux-x86_64 here: the build makes no library, the provider says so");
        assertNull(NativeLibrary.unavailableReason());
    }

    @Test
    void runsTheKernelSetAskedForElseTheBestForTheCpu() {
        String asked = System.getProperty(NativeLibrary.ISA_PROPERTY, "");
        NativeLibrary.Isa isa = NativeLibrary.isa();
        if (!asked.isBlank()) {
            assertEquals(asked, isa.label());
        } else if (NativeLibrary.platform().equals("linux-x86_64")) {
            // loaded at all: the CPU has AVX2, perhaps AVX512-VNNI too
            assertTrue(isa == NativeLibrary.Isa.AVX2 || isa == NativeLibrary.Isa.AVX512_VNNI, isa.toString());
        } else {
            assertTrue(isa == NativeLibrary.Isa.NEON || isa == NativeLibrary.Isa.NEON_DOTPROD, isa.toString());
        }
        assertEquals(isa.label(), new NativeKernelProvider().instructionSet());
        String reason = KernelSelection.select(NativeKernelProvider.NAME).reason();
        assertTrue(reason.startsWith("native " + isa.label() + " ("), reason);
    }

    @Test
    void isTheDefaultAboveSimd() {
        KernelProvider native_ = KernelSelection.providers().getFirst();
        assertEquals(NativeKernelProvider.NAME, native_.name());
        assertEquals("simd", NativeKernelProvider.fallback().name());
        assertEquals(NativeKernelProvider.NAME, KernelSelection.select(null).name());
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void agreesWithTheScalarReference(GgmlType type) {
        // the scalar dot's integer products and scales, summed in float lanes as llama.cpp's AVX2 code does;
        // the K-quants' minimums and Q6_K's offset of 32 are summed apart: up to 4x the magnitude
        assertWithinRoundingOfScalar(type, 7 + type.ordinal(), 4);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void matmulAndMatvecRowsComputeEachDotExactlyAsMatvec(GgmlType type) {
        assertEachDotAsMatvec(type, 41, 512, 17 + type.ordinal());
    }

    @Test
    void warmCallsAllocateNothing() {
        Random rng = new Random(22);
        Tensor q4 = weights(GgmlType.Q4_0, 96, 512, rng);
        Tensor q8 = weights(GgmlType.Q8_0, 96, 512, rng);
        float[] x = gaussian(rng, 16 * 512);
        float[] y = new float[16 * 96];
        int[] ids = {5, 1, 90, 7, 7};
        Kernels k = kernels(2);
        Runnable step = () -> {
            k.matvec(q4, x, 0, y, 0);
            k.matvec(q8, x, 0, y, 0);
            k.matmul(q4, x, 16, y);
            k.matvecRows(q8, ids, ids.length, x, 0, y);
        };
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long bytes = Long.MAX_VALUE;
        for (int round = 0; round < 20 && bytes >= 100; round++) {
            for (int i = 0; i < 1000; i++) {
                step.run();
            }
            long before = bean.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100; i++) {
                step.run();
            }
            bytes = bean.getCurrentThreadAllocatedBytes() - before;
        }
        // one allocation per call would be 100 x 16 bytes at least; the probe itself may cost a few bytes
        assertTrue(bytes < 100, bytes + " bytes allocated by 100 warm steps");
    }

    static Tensor weights(GgmlType type, int rows, int cols, Random rng) {
        return KernelOracle.quantizedGaussian(type, rows, cols, rng);
    }

    static float[] gaussian(Random rng, int n) {
        return KernelOracle.gaussian(rng, n, 1.0);
    }
}
