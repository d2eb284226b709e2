package dev.ember.kernels.ffm;

import dev.ember.kernel.KernelProvider;
import dev.ember.kernel.KernelSelection;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.WorkerPool;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The C kernels as a {@link KernelProvider}: priority 30, the default where the library loads and has a SIMD
 * kernel set for the CPU (x86-64 with AVX2; aarch64 NEON, with or without the dot-product instructions). They cover the ops where C beats the Vector API (the Q4_0, Q8_0, Q4_K and Q6_K dot products:
 * most of a quantized model's time); every other op runs on the best other available provider (simd, else scalar).
 */
public final class NativeKernelProvider implements KernelProvider {
    /** The name that selects it ({@code -Dember.kernels=native}, {@code --kernels native}). */
    public static final String NAME = "native";

    /** Public no-argument constructor, for {@code ServiceLoader}. */
    public NativeKernelProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 30;
    }

    @Override
    public String unavailableReason() {
        return NativeLibrary.unavailableReason();
    }

    /** @return the kernel set the library chose for this CPU: avx2, neon, neon-dotprod (or generic if asked for) */
    @Override
    public String instructionSet() {
        NativeLibrary.Isa isa = NativeLibrary.isa();
        return isa == null ? null : isa.label();
    }

    @Override
    public Kernels create(WorkerPool pool) {
        return create(pool, true);
    }

    @Override
    public Kernels create(WorkerPool pool, boolean repack) {
        String why = unavailableReason();
        if (why != null) {
            throw new IllegalStateException("native kernels cannot run here: " + why);
        }
        return new NativeKernels(pool, fallback().create(pool), repack, PER_MODEL.computeIfAbsent(pool,
                p -> new RepackedCopies()));
    }

    /**
     * Each model's repacked copies, by its worker pool (one per model): its sessions share them, and
     * {@link #release} frees them when the model closes. Weak: a pool never released takes its copies with it.
     */
    private static final Map<WorkerPool, RepackedCopies> PER_MODEL = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public void release(WorkerPool pool) {
        RepackedCopies copies = PER_MODEL.remove(pool);
        if (copies != null) {
            copies.close();
        }
    }

    /** @return the bytes every live model's repacked copies hold */
    static long repackedBytesOfEveryModel() {
        synchronized (PER_MODEL) {
            return PER_MODEL.values().stream().mapToLong(RepackedCopies::bytes).sum();
        }
    }

    /** @return the available provider of highest priority other than this one */
    static KernelProvider fallback() {
        for (KernelProvider p : KernelSelection.providers()) {
            if (!p.name().equals(NAME) && p.unavailableReason() == null) {
                return p;
            }
        }
        throw new IllegalStateException("no kernels besides native are available: the scalar ones should be");
    }

    @Override
    public long repackedBytes() {
        return repackedBytesOfEveryModel();
    }
}
