package dev.ember.kernels.simd;

import dev.ember.kernel.KernelProvider;
import dev.ember.kernel.KernelSelection;
import dev.ember.kernel.WorkerPool;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider says why it cannot run and how to fix it, and is chosen by default when it can. */
class SimdKernelProviderTest {
    @Test
    void aMissingVectorModuleIsReportedWithTheFix() {
        String why = SimdKernelProvider.reason(module -> false, "mixed mode, sharing");
        assertNotNull(why);
        assertTrue(why.contains("--add-modules jdk.incubator.vector"), why);
    }

    @Test
    void anInterpreterOnlyJvmIsReported() {
        String why = SimdKernelProvider.reason(module -> true, "interpreted mode, sharing");
        assertNotNull(why);
        assertTrue(why.contains("-Xint"), why);
    }

    @Test
    void thisJvmCanRunTheKernels() {
        // the build passes --add-modules jdk.incubator.vector and runs with the JIT
        assertNull(new SimdKernelProvider().unavailableReason());
        assertEquals(20, new SimdKernelProvider().priority());
    }

    @Test
    void theSelectionPicksSimdOverScalar() {
        assertTrue(KernelSelection.providers().stream().map(KernelProvider::name).anyMatch("simd"::equals),
                "ServiceLoader did not find the simd provider: " + KernelSelection.providers());
        KernelSelection.Selection s = KernelSelection.select(null);
        assertEquals("simd", s.name(), s.reason());
        try (WorkerPool pool = new WorkerPool(1)) {
            assertTrue(s.provider().create(pool) instanceof SimdKernels);
        }
    }
}
