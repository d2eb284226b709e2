package dev.ember.kernel;

import dev.ember.EmberException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Choosing kernels: by name, by priority, with errors that list what exists and why the rest cannot run. */
class KernelSelectionTest {
    private record Fake(String name, int priority, String unavailableReason) implements KernelProvider {
        @Override
        public Kernels create(WorkerPool pool) {
            throw new UnsupportedOperationException("fake");
        }
    }

    private static final KernelProvider NATIVE = new Fake("native", 30, "no library for linux-aarch64");
    private static final KernelProvider SIMD = new Fake("simd", 20, null);
    private static final KernelProvider SCALAR = new ScalarKernelProvider();
    private static final List<KernelProvider> ALL = List.of(SCALAR, NATIVE, SIMD);

    @Test
    void theScalarProviderIsFoundByServiceLoader() {
        assertTrue(KernelSelection.providers().stream().anyMatch(p -> p instanceof ScalarKernelProvider),
                "providers: " + KernelSelection.providers());
        KernelSelection.Selection s = KernelSelection.select("scalar");
        assertEquals("scalar", s.name());
        assertTrue(s.reason().startsWith("scalar"), s.reason());
        try (WorkerPool pool = new WorkerPool(1)) {
            Kernels k = s.provider().create(pool);
            assertInstanceOf(ScalarKernels.class, k);
            assertEquals("scalar", k.name());
            assertEquals(1, k.threads());
        }
    }

    @Test
    void theHighestPriorityAvailableProviderWinsAndTheReasonSaysWhy() {
        KernelSelection.Selection s = KernelSelection.select(ALL, null, KernelSelection.PROPERTY);
        assertSame(SIMD, s.provider());
        assertEquals("simd (priority 20); native unavailable: no library for linux-aarch64", s.reason());
        assertSame(SCALAR, KernelSelection.select(List.of(SCALAR), " ", KernelSelection.PROPERTY).provider());
    }

    @Test
    void anOverrideByNameWinsWhateverThePriority() {
        KernelSelection.Selection s = KernelSelection.select(ALL, " Scalar ", "--kernels");
        assertSame(SCALAR, s.provider());
        assertTrue(s.reason().startsWith("scalar (--kernels)"), s.reason());
    }

    @Test
    void anUnknownNameListsTheProviders() {
        EmberException e = assertThrows(EmberException.class, () -> KernelSelection.select(ALL, "gpu", "--kernels"));
        String m = e.getMessage();
        assertTrue(m.contains("'gpu'") && m.contains("--kernels"), m);
        assertTrue(m.contains("available: simd, scalar"), m);
        assertTrue(m.contains("native (no library for linux-aarch64)"), m);
    }

    @Test
    void namingAnUnavailableProviderSaysWhyItCannotRun() {
        EmberException e = assertThrows(EmberException.class, () -> KernelSelection.select(ALL, "native", "x"));
        assertTrue(e.getMessage().contains("no library for linux-aarch64"), e.getMessage());
    }

    @Test
    void theSystemPropertyIsTheDefaultOverride() {
        String old = System.getProperty(KernelSelection.PROPERTY);
        try {
            System.setProperty(KernelSelection.PROPERTY, "no-such-kernels");
            EmberException e = assertThrows(EmberException.class, KernelSelection::select);
            assertTrue(e.getMessage().contains("no-such-kernels") && e.getMessage().contains("ember.kernels"),
                    e.getMessage());
            assertEquals("scalar", KernelSelection.select("scalar").name(), "an explicit name beats the property");
            System.setProperty(KernelSelection.PROPERTY, "scalar");
            assertEquals("scalar", KernelSelection.select().name());
        } finally {
            if (old == null) {
                System.clearProperty(KernelSelection.PROPERTY);
            } else {
                System.setProperty(KernelSelection.PROPERTY, old);
            }
        }
    }
}
