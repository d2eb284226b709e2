package dev.ember.kernels.ffm;

import dev.ember.kernel.Activation;
import dev.ember.kernel.ActivationQuantizer;
import dev.ember.kernel.Checks;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.PooledKernels;
import dev.ember.kernel.WorkerPool;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * {@link Kernels} whose Q4_0, Q8_0, Q4_K and Q6_K matrix products run in C (the library's kernel set for the CPU:
 * {@code x86_avx2.c}, llama.cpp's AVX2 arithmetic with {@code vpmaddubsw}; {@code arm_neon.c}, with or without
 * {@code sdot}; {@code generic.c}, portable), everything else on another provider's kernels. The structure
 * is the other providers': the activation converted once per call by {@link ActivationQuantizer} (Q8_0 or
 * Q8_K, as llama.cpp), rows split over the {@link WorkerPool}, one downcall per range of rows; the C code writes into
 * an off-heap scratch that is copied into the caller's array afterwards (a heap array cannot be handed to C
 * without a per-call wrapper object). Nothing is allocated per call once the scratch has grown.
 *
 * <p>Q4_0 and Q4_K matvec and matmul run on the weights repacked eight rows at a time (the x8 copies); rows past
 * the last whole group, and {@code matvecRows}, run on the rows as stored, with the same arithmetic.
 *
 * <p>Results do not depend on the thread count, and a token's prefill result equals its decode result (and a
 * row's sparse result its dense one): each (row, token) dot has one order, whatever the path.
 */
public final class NativeKernels extends PooledKernels {
    private final Kernels other;
    private final RowsTask rowsTask = new RowsTask();
    /**
     * This instance's view of the x8 copies, by tensor identity: the shared map hashes a segment by value,
     * which allocates (boxed fields) on every lookup, so it is asked once per tensor per instance.
     */
    private final Map<Tensor, MemorySegment> packedHere = new IdentityHashMap<>();
    /** This instance's view of the r8b copies, as {@link #packedHere} is of the x8 copies. */
    private final Map<Tensor, MemorySegment> sparseHere = new IdentityHashMap<>();
    /** This instance's view of the r8d copies, likewise. */
    private final Map<Tensor, MemorySegment> r8dHere = new IdentityHashMap<>();

    /**
     * The model's repacked copies ({@link RepackedCopies}): Q4_0 and Q4_K weights repacked eight rows at a time
     * ({@code ember_repack_q4_0_x8}, {@code ember_repack_q4_k_x8}), made on a tensor's first matvec or matmul and
     * shared by every session of the model. The copy costs as much memory as the rows it packs (Q4_K: 1184/1152 of
     * them, its scales unpacked), as llama.cpp's repacked buffers do; Q4_0 decode on it runs ~1.8x the row-by-row
     * dot (docs/performance.md).
     */
    private final RepackedCopies copies;
    private MemorySegment ids = MemorySegment.NULL;
    private MemorySegment starts = MemorySegment.NULL;
    private MemorySegment out = MemorySegment.NULL;
    private MemorySegment weightsA = MemorySegment.NULL; // accumulateRows' row weights
    private final AccumulateTask accumulateTask = new AccumulateTask();

    /**
     * @param pool  the threads to split work over; shared, not owned
     * @param other the kernels every op without a C version runs on
     */
    public NativeKernels(WorkerPool pool, Kernels other) {
        this(pool, other, true);
    }

    /**
     * @param repack whether to keep repacked copies of weights (x8 and r8b rows, neuron bundles, r8d rows):
     *               without, the row-by-row kernels run (bit-equal for dense products) and the sparse FFN is the
     *               composition, unless a sparse-ready file's bundles are mapped
     */
    public NativeKernels(WorkerPool pool, Kernels other, boolean repack) {
        this(pool, other, repack, new RepackedCopies());
    }

    /** @param copies the model's repacked copies, shared by its sessions' kernels */
    NativeKernels(WorkerPool pool, Kernels other, boolean repack, RepackedCopies copies) {
        super(pool);
        this.other = other;
        this.repack = repack;
        this.copies = copies;
    }

    private final boolean repack;

    @Override
    public String name() {
        return NativeKernelProvider.NAME;
    }


    /** @return the C kernel for {@code w}, or null when it has none (other types, weights not off-heap) */
    private static MethodHandle kernel(Tensor w) {
        if (!w.data().isNative()) {
            return null;
        }
        return switch (w.type()) {
            case Q4_0 -> NativeLibrary.rowsQ4_0();
            case Q8_0 -> NativeLibrary.rowsQ8_0();
            case Q4_K -> NativeLibrary.rowsQ4_K();
            case Q6_K -> NativeLibrary.rowsQ6_K();
            default -> null;
        };
    }

    /**
     * Converts x once, has C dot every (listed) row with every vector of the batch, copies the results out; the
     * product goes to the other kernels whole when C has no kernel for {@code w}.
     */
    @Override
    protected void multiply(Tensor w, float[] x, int xOff, int batch, float[] y, int yOff, int[] rowIds,
                            int count) {
        MethodHandle k = kernel(w);
        if (k == null) {
            if (rowIds != null) {
                other.matvecRows(w, rowIds, count, x, xOff, y);
            } else if (batch == 1) {
                other.matvec(w, x, xOff, y, yOff);
            } else {
                other.matmul(w, x, batch, y);
            }
            return;
        }
        ActivationQuantizer.Pairing p = ActivationQuantizer.pairing(w.type());
        int cols = Checks.cols(w);
        long results = (long) batch * count;
        out = grown(out, 4 * results);
        MemorySegment idSegment = MemorySegment.NULL;
        if (rowIds != null) {
            ids = grown(ids, 4L * count);
            MemorySegment.copy(rowIds, 0, ids, ValueLayout.JAVA_INT, 0, count);
            idSegment = ids;
        }
        MemorySegment act = activations.quantize(p, x, xOff, cols, batch);
        long actBytes = p.activationBytes(cols);
        boolean x8 = repack && rowIds == null && (w.type() == GgmlType.Q4_0 || w.type() == GgmlType.Q4_K);
        int groups = x8 ? count / 8 : 0;
        RowsTask t = rowsTask;
        t.rowBytes = w.rowBytes();
        t.ids = idSegment;
        t.act = act;
        t.actBytes = actBytes;
        t.batch = batch;
        t.cols = cols;
        t.out = out;
        t.stride = count;
        if (groups > 0) {
            MemorySegment packed = packedHere.get(w);
            if (packed == null) {
                packed = packed(w, groups);
                remember(packedHere, w, packed);
            }
            t.kernel = w.type() == GgmlType.Q4_0 ? NativeLibrary.rowsQ4_0x8() : NativeLibrary.rowsQ4_Kx8();
            t.weights = packed;
            t.first = 0;
            parallel(t, groups, (long) count * cols * batch);
        }
        t.kernel = k;
        t.weights = w.data();
        if (repack && rowIds != null && w.type() == GgmlType.Q4_0 && cols % 256 == 0) {
            MemorySegment packed = sparseHere.get(w);
            if (packed == null) {
                packed = sparsePacked(w);
                remember(sparseHere, w, packed);
            }
            t.kernel = NativeLibrary.rowsQ4_0r8b();
            t.weights = packed;
        }
        // rows left over after the groups of eight (the row-by-row Q4_0 dot sums exactly as the packed one)
        t.first = 8 * groups;
        parallel(t, count - t.first, (long) (count - t.first) * cols * batch);
        t.clear();
        // results are (batch, count) in the scratch and in y (from yOff): one copy
        MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 0, y, yOff, (int) results);
    }

    /**
     * Neuron bundles for the fused sparse FFN, per gate tensor: neuron n's gate and up rows (eight blocks
     * interleaved, as the r8b copies) and its neuron-major down row, contiguous, so a chosen neuron is one
     * 3-row stream and an idle one is skipped whole. Made on a model's first sparse token; costs the three
     * matrices' size again (the file's own pages of them are then not read).
     */
    private final Map<Tensor, MemorySegment> bundlesHere = new IdentityHashMap<>();
    private final SparseTask sparseTask = new SparseTask();
    private final ReduceTask reduceTask = new ReduceTask();
    private MemorySegment partials = MemorySegment.NULL;
    private MemorySegment hValues = MemorySegment.NULL;
    private MemorySegment reduced = MemorySegment.NULL; // the partials' sum
    private MemorySegment gateGiven = MemorySegment.NULL;
    /** Chunks of chosen neurons, each summed into its own partial output: fixed per count, not per thread. */
    private static final int CHUNKS = 16;

    /**
     * Q4_0 or Q8_0 gate, up and down, or Q4_K / Q6_K gate and up with a Q8_0 down (the neuron-major copy of a
     * K-quant matrix), rows of whole groups of eight blocks: one fused pass in C over the chosen neurons' bundles
     * ({@code ember_sparse_ffn_q4_0}, {@code _q8_0}, {@code _q4_k}, {@code _q6_k}), chunks of neurons split
     * across the pool, then the chunks' partial outputs summed in chunk order. Anything else, and ids not in
     * ascending order: the composition of the other ops.
     */
    @Override
    public void sparseFeedForward(Tensor gate, Tensor up, Tensor down, Activation act, int[] ids, int count,
                                  float[] x, int xOff, boolean gateIsGiven, float[] g, float[] u, float[] result,
                                  int resultOff) {
        int dim = Checks.cols(gate);
        GgmlType type = gate.type();
        int chunks;
        MemorySegment bundles;
        if (!fused(gate, up, down) || count == 0
                || (chunks = chunkStarts(ids, count, gate.rows(), chunkPlans.get(gate))) < 0
                || (bundles = bundlesFor(gate, up, down)) == MemorySegment.NULL) {
            Kernels.composeSparseFeedForward(this, gate, up, down, act, ids, count, x, xOff, gateIsGiven, g, u, result,
                    resultOff);
            return;
        }
        Checks.rowIds(gate, ids, count);
        if (xOff < 0 || xOff + dim > x.length || resultOff < 0 || resultOff + dim > result.length || g.length < count) {
            throw new IndexOutOfBoundsException("sparseFeedForward: x[" + xOff + " + " + dim + "] of " + x.length
                    + ", out[" + resultOff + " + " + dim + "] of " + result.length + ", g of " + g.length + " for " + count);
        }
        this.ids = grown(this.ids, 4L * count);
        MemorySegment.copy(ids, 0, this.ids, ValueLayout.JAVA_INT, 0, count);
        partials = grown(partials, 4L * chunks * dim);
        hValues = grown(hValues, 4L * count);
        MemorySegment gateSegment = MemorySegment.NULL;
        if (gateIsGiven) {
            gateGiven = grown(gateGiven, 4L * count);
            MemorySegment.copy(g, 0, gateGiven, ValueLayout.JAVA_FLOAT, 0, count);
            gateSegment = gateGiven;
        }
        SparseTask t = sparseTask;
        t.kernel = switch (type) {
            case Q4_0 -> NativeLibrary.sparseFfnQ4_0();
            case Q4_K -> NativeLibrary.sparseFfnQ4_K();
            case Q6_K -> NativeLibrary.sparseFfnQ6_K();
            default -> NativeLibrary.sparseFfnQ8_0();
        };
        t.bundles = bundles;
        t.bundleBytes = bundleBytes(gate, down);
        t.ids = this.ids;
        t.starts = this.starts;
        t.x = activations.quantize(ActivationQuantizer.pairing(type), x, xOff, dim, 1);
        t.dim = dim;
        t.gate = gateSegment;
        t.act = switch (act) {
            case SILU -> 0;
            case RELU -> 1;
            case GELU -> 2;
        };
        t.partials = partials;
        t.h = hValues;
        parallel(t, chunks, 3L * count * dim);
        t.clear();
        reduced = grown(reduced, 4L * dim);
        MemorySegment o = reduced;
        o.fill((byte) 0); // the whole of its own scratch (dim floats): a slice would be an object a call
        // the partials' sum on this thread: ~32 K adds, less than waking the pool again would cost
        ReduceTask r = reduceTask;
        r.partials = partials;
        r.chunks = chunks;
        r.dim = dim;
        r.out = o;
        r.run(0, dim / 32);
        r.partials = null;
        r.out = null;
        MemorySegment.copy(o, ValueLayout.JAVA_FLOAT, 0, result, resultOff, dim);
        MemorySegment.copy(hValues, ValueLayout.JAVA_FLOAT, 0, g, 0, count);
    }

    /** @return whether the fused pass runs over these matrices (else the composition does) */
    private static boolean fused(Tensor gate, Tensor up, Tensor down) {
        int dim = Checks.cols(gate);
        GgmlType type = gate.type();
        boolean kQuant = type == GgmlType.Q4_K || type == GgmlType.Q6_K;
        return up.type() == type && dim % 256 == 0 && (type == GgmlType.Q4_0 && down.type() == type
                || type == GgmlType.Q8_0 && down.type() == type || kQuant && down.type() == GgmlType.Q8_0)
                && Checks.cols(down) == dim && Checks.cols(up) == dim && down.rows() == gate.rows()
                && up.rows() == gate.rows() && gate.data().isNative() && up.data().isNative()
                && down.data().isNative();
    }

    /** The bundles' layout, named with the ABI version: a file of another version's bundles is not used. */
    @Override
    public String sparseLayout(Tensor gate, Tensor up, Tensor down) {
        return fused(gate, up, down) ? "ember-native-bundles-" + gate.type().name().toLowerCase(java.util.Locale.ROOT)
                + "-v" + NativeLibrary.ABI_VERSION : null;
    }

    @Override
    public MemorySegment buildSparseLayout(Tensor gate, Tensor up, Tensor down) {
        if (!fused(gate, up, down)) {
            throw new IllegalArgumentException("no native bundles for " + gate.name() + " (" + gate.type() + ")");
        }
        return bundles(gate, up, down);
    }

    @Override
    public void useSparseLayout(Tensor gate, Tensor up, Tensor down, MemorySegment stored) {
        long bytes = bundleBytes(gate, down) * gate.rows();
        if (!fused(gate, up, down) || stored.byteSize() != bytes) {
            throw new IllegalArgumentException("stored bundles for " + gate.name() + ": " + stored.byteSize()
                    + " bytes, these matrices' bundles take " + bytes);
        }
        copies.bundles.putIfAbsent(gate.data(), stored);
        bundlesHere.remove(gate);
    }

    /** @return {@code scratch}, or a new one of at least {@code bytes} (double the old, so growth is rare) */
    private static MemorySegment grown(MemorySegment scratch, long bytes) {
        return scratch.byteSize() >= bytes ? scratch
                : Arena.ofAuto().allocate(Math.max(bytes, 2 * scratch.byteSize()), 64);
    }

    /** @return what a downcall threw, as an unchecked exception (a kernel never throws; the linker might) */
    private static RuntimeException failed(Throwable e) {
        if (e instanceof Error error) {
            throw error;
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException("native kernel failed", e);
    }

    /** Views per instance; more than a model's tensors means short-lived ones (CoreInfer's per-prompt copies). */
    private static final int VIEWS = 1024;

    /**
     * Adds to one of this instance's views of the shared caches, emptying it first when it is full: a session
     * that keeps meeting new tensors (CoreInfer compacts its matrices once per prompt) must not keep them all
     * alive. The shared weak maps still hold what live tensors need.
     */
    private static void remember(Map<Tensor, MemorySegment> view, Tensor t, MemorySegment copy) {
        if (view.size() >= VIEWS) {
            view.clear();
        }
        view.put(t, copy);
    }

    /** Chunk cuts asked for per gate tensor ({@link #sparseChunks}): this session's, as its layout wants them. */
    private final Map<Tensor, int[]> chunkPlans = new IdentityHashMap<>();

    @Override
    public void sparseChunks(Tensor gate, int[] cuts) {
        if (cuts.length == 0 || cuts.length > 8 * CHUNKS || cuts[0] != 0) {
            throw new IllegalArgumentException("chunk cuts start at 0, at most " + 8 * CHUNKS + " of them");
        }
        for (int c = 1; c < cuts.length; c++) {
            if (cuts[c] <= cuts[c - 1] || cuts[c] % 8 != 0 || cuts[c] >= gate.rows()) {
                throw new IllegalArgumentException("chunk cuts must be ascending multiples of 8 below "
                        + gate.rows() + ", got " + java.util.Arrays.toString(cuts));
            }
        }
        chunkPlans.put(gate, cuts.clone());
    }

    /**
     * Fills {@link #starts}: chunk c holds the chosen neurons numbered in [c * span, (c + 1) * span), span a
     * multiple of the kernel's windows of 8 (or between the cuts a layout asked for), so a chunk's sums depend on
     * neither the thread count nor which idle neurons were listed.
     *
     * @return the number of chunks, or -1 when the ids are not ascending (the chunks need them so)
     */
    private int chunkStarts(int[] ids, int count, long neurons, int[] cuts) {
        int ffn = Math.toIntExact(neurons);
        int span = (ffn + 8 * CHUNKS - 1) / (8 * CHUNKS) * 8;
        int chunks = cuts != null ? cuts.length : (ffn + span - 1) / span;
        starts = grown(starts, 4L * (chunks + 1));
        for (int c = 0, k = 0; c <= chunks; c++) {
            long bound = cuts == null ? (long) c * span : c < chunks ? cuts[c] : ffn;
            while (k < count && ids[k] < bound) {
                if (k > 0 && ids[k] <= ids[k - 1]) {
                    return -1;
                }
                k++;
            }
            starts.setAtIndex(ValueLayout.JAVA_INT, c, c == chunks ? count : k);
        }
        return chunks;
    }

    /**
     * @return the bundles the fused pass reads: made here when repacked copies are allowed, else only a
     *         sparse-ready file's (mapped, not copies); NULL when there are none. Asked once per tensor.
     */
    private MemorySegment bundlesFor(Tensor gate, Tensor up, Tensor down) {
        MemorySegment b = bundlesHere.get(gate);
        if (b == null) {
            MemorySegment stored = repack ? null : copies.bundles.get(gate.data());
            b = repack ? bundles(gate, up, down) : stored != null && stored.isMapped() ? stored : MemorySegment.NULL;
            remember(bundlesHere, gate, b);
        }
        return b;
    }

    /** @return the bytes of one neuron's bundle: its gate and up rows and its neuron-major down row */
    private static long bundleBytes(Tensor gate, Tensor down) {
        return 2 * gate.rowBytes() + down.rowBytes();
    }

    private MemorySegment bundles(Tensor gate, Tensor up, Tensor down) {
        return copies.bundles.computeIfAbsent(gate.data(), data -> {
            long rowBytes = gate.rowBytes();
            int neurons = Math.toIntExact(gate.rows());
            int blocks = Checks.cols(gate) / 32;
            MemorySegment bundles = copies.allocate(bundleBytes(gate, down) * neurons);
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment g = gate.data();
                MemorySegment u = up.data();
                MemorySegment d = scratch.allocate(down.rowBytes() * neurons, 64); // down rows r8d
                if (gate.type() == GgmlType.Q4_0) { // and Q4_0 gate and up rows r8b: the fused kernel's layouts
                    g = scratch.allocate(rowBytes * neurons, 64);
                    u = scratch.allocate(rowBytes * neurons, 64);
                    NativeLibrary.repackQ4_0r8b().invokeExact(gate.data(), rowBytes, neurons, blocks, g);
                    NativeLibrary.repackQ4_0r8b().invokeExact(up.data(), rowBytes, neurons, blocks, u);
                    NativeLibrary.repackQ4_0r8d().invokeExact(down.data(), rowBytes, neurons, blocks, d);
                } else {
                    NativeLibrary.repackQ8_0r8d().invokeExact(down.data(), down.rowBytes(), neurons, blocks, d);
                }
                NativeLibrary.bundle().invokeExact(g, u, rowBytes, d, down.rowBytes(), neurons, bundles);
            } catch (Throwable e) {
                throw new IllegalStateException("cannot bundle " + gate.name(), e);
            }
            return bundles;
        });
    }

    /** Chunks [from, to) of the chosen neurons through {@code ember_sparse_ffn_q4_0}. */
    private static final class SparseTask implements WorkerPool.RangeTask {
        MethodHandle kernel;
        MemorySegment bundles;
        long bundleBytes;
        MemorySegment ids;
        MemorySegment starts;
        MemorySegment x;
        int dim;
        MemorySegment gate;
        int act;
        MemorySegment partials;
        MemorySegment h;

        @Override
        public void run(int from, int to) {
            try {
                kernel.invokeExact(bundles, bundleBytes, ids, starts, from, to, x, dim, gate, act, partials, h);
            } catch (Throwable e) {
                throw failed(e);
            }
        }

        void clear() {
            kernel = null;
            bundles = null;
            ids = null;
            starts = null;
            x = null;
            gate = null;
            partials = null;
            h = null;
        }
    }

    /** out[j] += the chunks' partials, in chunk order, for the columns of blocks [from, to). */
    private static final class ReduceTask implements WorkerPool.RangeTask {
        MemorySegment partials;
        int chunks;
        int dim;
        MemorySegment out;

        @Override
        public void run(int from, int to) {
            try {
                NativeLibrary.reducePartials().invokeExact(partials, chunks, dim, from, to, out);
            } catch (Throwable e) {
                throw failed(e);
            }
        }
    }

    /** Q4_0 and Q8_0 in C (columns split across the pool by blocks); other types go to the other kernels. */
    @Override
    public void accumulateRows(Tensor w, int[] rows, float[] a, int count, float[] y, int yOff) {
        MethodHandle k = w.type() == GgmlType.Q4_0 ? NativeLibrary.accumulateQ4_0()
                : w.type() == GgmlType.Q8_0 ? NativeLibrary.accumulateQ8_0() : null;
        if (k == null || !w.data().isNative()) {
            other.accumulateRows(w, rows, a, count, y, yOff);
            return;
        }
        int cols = Checks.accumulateRows(w, rows, a, count, y, yOff);
        // rows of whole groups of eight blocks: the integer windows over an r8d copy (made once per tensor)
        boolean windows = repack && cols % 256 == 0;
        ids = grown(ids, 4L * count);
        weightsA = grown(weightsA, 4L * count);
        out = grown(out, 4L * cols);
        MemorySegment.copy(rows, 0, ids, ValueLayout.JAVA_INT, 0, count);
        MemorySegment.copy(a, 0, weightsA, ValueLayout.JAVA_FLOAT, 0, count);
        MemorySegment.copy(y, yOff, out, ValueLayout.JAVA_FLOAT, 0, cols);
        AccumulateTask t = accumulateTask;
        t.kernel = !windows ? k : w.type() == GgmlType.Q4_0 ? NativeLibrary.accumulateR8dQ4_0()
                : NativeLibrary.accumulateR8dQ8_0();
        t.weights = windows ? r8dHere.computeIfAbsent(w, this::r8d) : w.data();
        t.rowBytes = w.rowBytes();
        t.ids = ids;
        t.a = weightsA;
        t.count = count;
        t.y = out;
        parallel(t, windows ? cols / 256 : cols / 32, (long) count * cols);
        t.clear();
        MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 0, y, yOff, cols);
    }

    /** r8d copies of Q4_0/Q8_0 matrices that accumulateRows sums rows of: the same bytes, eight blocks' scales first. */

    private MemorySegment r8d(Tensor w) {
        return copies.r8d.computeIfAbsent(w.data(), data -> {
            int rows = Math.toIntExact(w.rows());
            int blocks = Checks.cols(w) / 32;
            MemorySegment copy = copies.allocate(w.rowBytes() * rows);
            try {
                MethodHandle repack = w.type() == GgmlType.Q4_0 ? NativeLibrary.repackQ4_0r8d()
                        : NativeLibrary.repackQ8_0r8d();
                repack.invokeExact(data, w.rowBytes(), rows, blocks, copy);
            } catch (Throwable e) {
                throw new IllegalStateException("cannot repack " + w.name(), e);
            }
            return copy;
        });
    }

    /**
     * y[j] += sum_i a[i] * w[ids[i]][j] for the columns of blocks of 32 [from, to), or with the r8d kernels of
     * groups of 256: a downcall a range.
     */
    private static final class AccumulateTask implements WorkerPool.RangeTask {
        MethodHandle kernel;
        MemorySegment weights;
        long rowBytes;
        MemorySegment ids;
        MemorySegment a;
        int count;
        MemorySegment y;

        @Override
        public void run(int from, int to) {
            try {
                kernel.invokeExact(weights, rowBytes, ids, a, count, from, to, y);
            } catch (Throwable e) {
                throw failed(e);
            }
        }

        void clear() {
            kernel = null;
            weights = null;
            ids = null;
            a = null;
            y = null;
        }
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        other.rmsnorm(out, outOff, x, xOff, weight, n, eps);
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        other.softmax(x, off, n);
    }

    @Override
    public void rope(float[] x, int off, int heads, int headSize, int ropeDim, float[] cos, float[] sin,
                     int tableOff, boolean neox) {
        other.rope(x, off, heads, headSize, ropeDim, cos, sin, tableOff, neox);
    }

    @Override
    public void gatedActivation(Activation act, float[] gate, float[] up, int off, int n) {
        other.gatedActivation(act, gate, up, off, n);
    }

    @Override
    public void attention(float[] q, int qOff, float[] keys, float[] values, int cacheOff, int kvDim, int heads,
                          int kvHeads, int headSize, int positions, float[] out, int outOff) {
        other.attention(q, qOff, keys, values, cacheOff, kvDim, heads, kvHeads, headSize, positions, out, outOff);
    }

    /**
     * out[b * stride + i] = dot(row ids[i] (or i), activation b) for i from {@code first}, a downcall a range;
     * with the packed Q4_0 kernel, items are groups of eight rows.
     */
    private static final class RowsTask implements WorkerPool.RangeTask {
        int first;
        MethodHandle kernel;
        MemorySegment weights;
        long rowBytes;
        MemorySegment ids;
        MemorySegment act;
        long actBytes;
        int batch;
        int cols;
        MemorySegment out;
        long stride;

        @Override
        public void run(int from, int to) {
            try {
                kernel.invokeExact(weights, rowBytes, ids, first + from, first + to, act, actBytes, batch, cols, out,
                        stride);
            } catch (Throwable e) {
                throw failed(e);
            }
        }

        void clear() {
            kernel = null;
            weights = null;
            ids = null;
            act = null;
            out = null;
        }
    }

    /**
     * @return Q4_0 rows repacked for sparse products ({@code ember_repack_q4_0_r8b}: each row's blocks interleaved
     *         eight at a time), made on a tensor's first matvecRows and shared like the x8 copies: only the tensors
     *         a sparse FFN reads row by row (gate and up) get one. Costs the tensor's size again.
     */
    private MemorySegment sparsePacked(Tensor w) {
        return copies.sparsePacked.computeIfAbsent(w.data(), data -> {
            MemorySegment packed = copies.allocate(data.byteSize());
            try {
                NativeLibrary.repackQ4_0r8b().invokeExact(data, w.rowBytes(), Math.toIntExact(w.rows()),
                        Checks.cols(w) / 32, packed);
            } catch (Throwable e) {
                throw new IllegalStateException("cannot repack " + w.name(), e);
            }
            return packed;
        });
    }

    /** @return the first {@code 8 * groups} rows of Q4_0 {@code w} repacked, made once per tensor */
    private MemorySegment packed(Tensor w, int groups) {
        return copies.packed.computeIfAbsent(w.data(), data -> {
            boolean q4k = w.type() == GgmlType.Q4_K;
            int blocks = Checks.cols(w) / (q4k ? 256 : 32);
            MemorySegment packed = copies.allocate(q4k ? (long) groups * blocks * NativeLibrary.Q4_K_X8_BYTES
                    : 8L * groups * w.rowBytes());
            try {
                (q4k ? NativeLibrary.repackQ4_Kx8() : NativeLibrary.repackQ4_0x8()).invokeExact(data, w.rowBytes(),
                        groups, blocks, packed);
            } catch (Throwable e) {
                throw new IllegalStateException("cannot repack " + w.name(), e);
            }
            return packed;
        });
    }
}
