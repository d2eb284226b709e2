package dev.ember.kernel;

/**
 * The scalar reference kernels as a {@link KernelProvider}: always available, lowest priority, so any
 * faster provider that can run here wins the default choice and this one is the fallback.
 */
public final class ScalarKernelProvider implements KernelProvider {
    /** The name that selects it ({@code -Dember.kernels=scalar}, {@code --kernels scalar}). */
    public static final String NAME = "scalar";

    /** Public no-argument constructor, for {@code ServiceLoader}. */
    public ScalarKernelProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Kernels create(WorkerPool pool) {
        return new ScalarKernels(pool);
    }
}
