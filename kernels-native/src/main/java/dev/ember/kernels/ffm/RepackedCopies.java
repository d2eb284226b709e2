package dev.ember.kernels.ffm;

import dev.ember.tensor.SegmentCache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * One model's repacked copies of its weights, made at first use and shared by its sessions: the x8 rows of
 * dense Q4_0 products, the r8b rows of sparse ones, the neuron bundles, the r8d rows of integer accumulation.
 * They live in one arena that {@link #close} frees when the model closes (its worker pool is released), or,
 * for kernels whose pool is never released, when the pool is collected.
 */
final class RepackedCopies implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    final SegmentCache<MemorySegment> packed = new SegmentCache<>();
    final SegmentCache<MemorySegment> sparsePacked = new SegmentCache<>();
    final SegmentCache<MemorySegment> bundles = new SegmentCache<>();
    final SegmentCache<MemorySegment> r8d = new SegmentCache<>();
    private final Arena arena = Arena.ofShared();
    private final Cleaner.Cleanable cleanable;

    RepackedCopies() {
        Arena a = arena; // the cleaning action must not reach this object
        cleanable = CLEANER.register(this, () -> {
            if (a.scope().isAlive()) {
                a.close();
            }
        });
    }

    /** @return bytes for a copy, 2 MiB-aligned with huge pages advised where the C library can, freed with these */
    MemorySegment allocate(long bytes) {
        return NativeLibrary.allocate(bytes, arena);
    }

    /** @return the bytes the copies hold (stored bundles mapped from a file are not copies) */
    long bytes() {
        if (!arena.scope().isAlive()) {
            return 0;
        }
        java.util.function.ToLongFunction<MemorySegment> made = m -> m.isMapped() ? 0 : m.byteSize();
        return packed.sum(made) + sparsePacked.sum(made) + bundles.sum(made) + r8d.sum(made);
    }

    /** Frees every copy: the model is closed, nothing reads them any more. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
