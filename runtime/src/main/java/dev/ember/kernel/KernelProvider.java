package dev.ember.kernel;

/**
 * A kernel implementation, found through {@code ServiceLoader}. The best available provider (highest
 * {@link #priority()}) is chosen once, when a model loads, unless {@code ember.kernels} (or the
 * {@code --kernels} flag) names one. A provider that cannot run here says why and how to fix it.
 */
public interface KernelProvider {
    /** @return the name used to select it: "scalar", "simd", "native" */
    String name();

    /** @return higher wins the default choice: native 30 > simd 20 > scalar 0 */
    int priority();

    /**
     * @return the instructions this provider's kernels run on here, as it names them ("avx2", "neon-dotprod"),
     *         or null where it has no such choice to report
     */
    default String instructionSet() {
        return null;
    }

    /** @return null if usable here, else one line saying why not and how to fix it */
    String unavailableReason();

    /** @return a new per-session instance that splits its work over {@code pool} */
    Kernels create(WorkerPool pool);

    /**
     * @param repack whether the kernels may keep repacked copies of weights ({@code LoadOptions.repack})
     * @return kernels as {@link #create(WorkerPool)}, without repacked copies when {@code repack} is false
     */
    default Kernels create(WorkerPool pool, boolean repack) {
        return create(pool);
    }

    /**
     * Frees what this provider keeps for the model whose worker pool this is (its repacked copies of weights):
     * the model is closing, and no kernels of it will run again.
     */
    default void release(WorkerPool pool) {
    }

    /** @return bytes this provider's repacked copies of weights hold in memory now, over every live model */
    default long repackedBytes() {
        return 0;
    }
}
