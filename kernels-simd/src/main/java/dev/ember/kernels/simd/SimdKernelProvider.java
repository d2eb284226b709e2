package dev.ember.kernels.simd;

import dev.ember.kernel.KernelProvider;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;

import java.util.function.Predicate;

/**
 * The Vector API kernels as a {@link KernelProvider}: priority 20, above scalar (0) and below native (30).
 * Unavailable, with the reason and the fix, when {@code jdk.incubator.vector} is not in the boot layer (the
 * JVM was started without {@code --add-modules jdk.incubator.vector}), when the JIT is off (interpreted
 * vectors are far slower than scalar code), or when the vectors are narrower than 128 bits.
 *
 * <p>{@link #unavailableReason()} touches no {@code jdk.incubator.vector} class until it has seen the module
 * in the boot layer, so asking it never fails with a {@code NoClassDefFoundError}.
 */
public final class SimdKernelProvider implements KernelProvider {
    /** The name that selects it ({@code -Dember.kernels=simd}, {@code --kernels simd}). */
    public static final String NAME = "simd";
    /** The module the kernels need. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    /** Computed once: neither the boot layer nor the JIT changes while the JVM runs. */
    private static final class Holder {
        static final String REASON = reason(name -> ModuleLayer.boot().findModule(name).isPresent(),
                System.getProperty("java.vm.info", ""));
    }

    /** Public no-argument constructor, for {@code ServiceLoader}. */
    public SimdKernelProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public String unavailableReason() {
        return Holder.REASON;
    }

    @Override
    public Kernels create(WorkerPool pool) {
        String why = unavailableReason();
        if (why != null) {
            throw new IllegalStateException("simd kernels cannot run here: " + why);
        }
        return new SimdKernels(pool);
    }

    /**
     * Why the kernels cannot run, or null; the checks in order, the module first so that no vector class is
     * loaded without it.
     *
     * @param moduleInBootLayer whether a named module is in the boot layer (a fake one in tests)
     * @param vmInfo            the {@code java.vm.info} property: "interpreted mode" means -Xint
     */
    static String reason(Predicate<String> moduleInBootLayer, String vmInfo) {
        if (!moduleInBootLayer.test(VECTOR_MODULE)) {
            return "the JVM was started without the Vector API module: run with --add-modules " + VECTOR_MODULE
                    + " (the ember launcher and the Maven build pass it); scalar kernels run meanwhile, several"
                    + " times slower";
        }
        if (vmInfo.contains("interpreted mode")) {
            return "the JIT is off (-Xint): interpreted Vector API code is slower than scalar; drop -Xint";
        }
        return VectorCheck.reason();
    }

    /** The checks that load vector classes, in their own class so that the provider's loading does not. */
    private static final class VectorCheck {
        static String reason() {
            try {
                int bits = Species.BITS;
                return bits < 128 ? "the CPU's vectors are " + bits + " bits, too narrow to beat scalar code" : null;
            } catch (ExceptionInInitializerError e) {
                return "cannot choose a vector width: " + e.getCause().getMessage();
            }
        }
    }
}
