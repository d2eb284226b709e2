package dev.ember.kernels.ffm;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The C library of this module ({@code src/main/c/}: {@code ember_kernels.h} lists what it exports), built by
 * Maven where a C compiler exists and packaged at {@code /native/<os>-<arch>/libember_kernels.so} (linux-x86_64,
 * and linux-aarch64 where a cross compiler is installed), or the file named by the system property
 * {@value #PATH_PROPERTY}. Loaded once per JVM, for the running architecture; the library picks its kernel set
 * ({@link Isa}) for the CPU as it loads, and {@value #ISA_PROPERTY} may ask for another (tests run the portable
 * C set this way). {@link #unavailableReason()} says why the library cannot be used, in one line with the fix,
 * and then no native code is ever called.
 */
final class NativeLibrary {
    /** A path to the library to load instead of the packaged one. */
    static final String PATH_PROPERTY = "ember.native.library";
    /**
     * A kernel set to use instead of the best one for the CPU: {@code generic}, {@code avx2}, {@code avx512-vnni},
     * {@code neon}, {@code neon-dotprod}.
     */
    static final String ISA_PROPERTY = "ember.native.isa";

    /** The kernel sets a library holds ({@code enum ember_isa}, in its order). */
    enum Isa {
        /** Portable C: the reference order of arithmetic, every platform. */
        GENERIC,
        /** x86-64 with AVX2, FMA and F16C. */
        AVX2,
        /** aarch64 Advanced SIMD with widening multiplies. */
        NEON,
        /** aarch64 with the dot-product extension. */
        NEON_DOTPROD,
        /** x86-64 with AVX2 and AVX512-VNNI: the avx2 set's results, with {@code vpdpbusd}. */
        AVX512_VNNI;

        /** @return the name {@value #ISA_PROPERTY} takes and reports give: {@code neon-dotprod} */
        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
    /** The C side's {@code EMBER_Q4_K_X8_BYTES}: one group of eight Q4_K rows' super-blocks, repacked. */
    static final int Q4_K_X8_BYTES = 1184;

    /** The C side's {@code EMBER_ABI_VERSION}: a library of another version is refused. */
    static final int ABI_VERSION = 12;

    /**
     * {@code void ember_rows_X(w, rowBytes, ids, from, to, x, xBytes, batch, cols, y, yStride)}; for the packed
     * Q4_0 kernel, from and to count groups of eight rows and ids is unused.
     */
    private static final FunctionDescriptor ROWS = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);

    /** {@code void ember_repack_q4_0_x8(w, rowBytes, groups, blocks, out)}. */
    private static final FunctionDescriptor REPACK = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);

    /** {@code void ember_accumulate_X(w, rowBytes, ids, a, count, fromBlock, toBlock, y)}. */
    private static final FunctionDescriptor ACCUMULATE = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS);

    /**
     * {@code ember_sparse_ffn_X(bundles, bundleBytes, ids, starts, fromChunk, toChunk, x, dim, gate, act, partials,
     * h)}.
     */
    private static final FunctionDescriptor SPARSE_FFN = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    /** {@code ember_reduce_partials(partials, chunks, dim, from, to, out)}. */
    private static final FunctionDescriptor REDUCE = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);

    /** {@code ember_bundle(gateRows, upRows, rowBytes, downNeuronMajor, downRowBytes, neurons, out)}. */
    private static final FunctionDescriptor BUNDLE_ROWS = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS);

    /** Every exported function's descriptor, by name: what the downcalls link with, and what ember_kernels.h declares. */
    static final Map<String, FunctionDescriptor> SIGNATURES = signatures();

    private static Map<String, FunctionDescriptor> signatures() {
        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();
        m.put("ember_abi_version", FunctionDescriptor.of(ValueLayout.JAVA_INT));
        m.put("ember_active_isa", FunctionDescriptor.of(ValueLayout.JAVA_INT));
        m.put("ember_select_isa", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        m.put("ember_rows_q4_0", ROWS);
        m.put("ember_rows_q8_0", ROWS);
        m.put("ember_rows_q4_k", ROWS);
        m.put("ember_rows_q6_k", ROWS);
        m.put("ember_rows_q4_0_x8", ROWS);
        m.put("ember_rows_q4_0_r8b", ROWS);
        m.put("ember_rows_q4_k_x8", ROWS);
        m.put("ember_repack_q4_0_r8b", REPACK);
        m.put("ember_repack_q4_0_r8d", REPACK);
        m.put("ember_repack_q8_0_r8d", REPACK);
        m.put("ember_alloc", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        m.put("ember_free", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        m.put("ember_sparse_ffn_q4_0", SPARSE_FFN);
        m.put("ember_sparse_ffn_q8_0", SPARSE_FFN);
        m.put("ember_sparse_ffn_q4_k", SPARSE_FFN);
        m.put("ember_sparse_ffn_q6_k", SPARSE_FFN);
        m.put("ember_reduce_partials", REDUCE);
        m.put("ember_bundle", BUNDLE_ROWS);
        m.put("ember_accumulate_q4_0", ACCUMULATE);
        m.put("ember_accumulate_q8_0", ACCUMULATE);
        m.put("ember_accumulate_r8d_q4_0", ACCUMULATE);
        m.put("ember_accumulate_r8d_q8_0", ACCUMULATE);
        m.put("ember_repack_q4_0_x8", REPACK);
        m.put("ember_repack_q4_k_x8", REPACK);
        return Collections.unmodifiableMap(m);
    }

    /** @return the descriptor of an exported function */
    private static FunctionDescriptor signature(String name) {
        FunctionDescriptor d = SIGNATURES.get(name);
        if (d == null) {
            throw new IllegalStateException("no descriptor for " + name);
        }
        return d;
    }

    private NativeLibrary() {
    }

    /** Loaded on first use: the handles, or the reason there are none. */
    private static final class Holder {
        static final String REASON;
        static final Isa ISA;
        static final MethodHandle ROWS_Q4_0;
        static final MethodHandle ROWS_Q8_0;
        static final MethodHandle ROWS_Q4_K;
        static final MethodHandle ROWS_Q6_K;
        static final MethodHandle ROWS_Q4_0_X8;
        static final MethodHandle REPACK_Q4_0_X8;
        static final MethodHandle ROWS_Q4_0_R8B;
        static final MethodHandle ROWS_Q4_K_X8;
        static final MethodHandle REPACK_Q4_K_X8;
        static final MethodHandle REPACK_Q4_0_R8B;
        static final MethodHandle REPACK_Q4_0_R8D;
        static final MethodHandle REPACK_Q8_0_R8D;
        static final MethodHandle ALLOC;
        static final MethodHandle FREE;
        static final MethodHandle SPARSE_FFN_Q4_0;
        static final MethodHandle SPARSE_FFN_Q8_0;
        static final MethodHandle SPARSE_FFN_Q4_K;
        static final MethodHandle SPARSE_FFN_Q6_K;
        static final MethodHandle REDUCE_PARTIALS;
        static final MethodHandle BUNDLE;
        static final MethodHandle ACCUMULATE_Q4_0;
        static final MethodHandle ACCUMULATE_Q8_0;
        static final MethodHandle ACCUMULATE_R8D_Q4_0;
        static final MethodHandle ACCUMULATE_R8D_Q8_0;

        static {
            String reason = null;
            Isa isa = null;
            MethodHandle q4 = null;
            MethodHandle q8 = null;
            MethodHandle q4k = null;
            MethodHandle q6k = null;
            MethodHandle q4x8 = null;
            MethodHandle q4r8b = null;
            MethodHandle q4kx8 = null;
            MethodHandle repackQ4kx8 = null;
            MethodHandle repackR8b = null;
            MethodHandle repackR8d = null;
            MethodHandle repackQ8r8d = null;
            MethodHandle alloc = null;
            MethodHandle free = null;
            MethodHandle sparseFfn = null;
            MethodHandle sparseFfn8 = null;
            MethodHandle sparseFfn4k = null;
            MethodHandle sparseFfn6k = null;
            MethodHandle reduce = null;
            MethodHandle bundle = null;
            MethodHandle acc4 = null;
            MethodHandle acc8 = null;
            MethodHandle accR8d4 = null;
            MethodHandle accR8d8 = null;
            MethodHandle repack = null;
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup(locate(), Arena.global());
                Linker linker = Linker.nativeLinker();
                int abi = (int) linker.downcallHandle(lib.findOrThrow("ember_abi_version"), signature("ember_abi_version")).invokeExact();
                if (abi != ABI_VERSION) {
                    throw new UnavailableException("the native library is ABI version " + abi + ", this jar needs "
                            + ABI_VERSION + ": rebuild (./ember build)");
                }
                String asked = System.getProperty(ISA_PROPERTY, "").strip();
                if (!asked.isEmpty()) {
                    Isa want = null;
                    for (Isa i : Isa.values()) {
                        if (i.label().equals(asked.toLowerCase(Locale.ROOT))) {
                            want = i;
                        }
                    }
                    if (want == null) {
                        throw new UnavailableException(ISA_PROPERTY + "=" + asked + " is not a kernel set (generic,"
                                + " avx2, avx512-vnni, neon, neon-dotprod)");
                    }
                    int ok = (int) linker.downcallHandle(lib.findOrThrow("ember_select_isa"), signature("ember_select_isa")).invokeExact(want.ordinal());
                    if (ok == 0) {
                        throw new UnavailableException(ISA_PROPERTY + "=" + asked + ": this library or CPU has no such kernels");
                    }
                }
                isa = Isa.values()[(int) linker.downcallHandle(lib.findOrThrow("ember_active_isa"), signature("ember_active_isa")).invokeExact()];
                if (isa == Isa.GENERIC && asked.isEmpty()) { // the portable set runs only when asked for by name
                    reason = platform().endsWith("x86_64")
                            ? "this CPU lacks AVX2, FMA or F16C, which the native kernels use"
                            : "the native library has no SIMD kernels for " + platform();
                } else {
                    // critical: short calls that never call back into Java, so no thread-state transition
                    Linker.Option critical = Linker.Option.critical(false);
                    q4 = linker.downcallHandle(lib.findOrThrow("ember_rows_q4_0"), signature("ember_rows_q4_0"), critical);
                    q8 = linker.downcallHandle(lib.findOrThrow("ember_rows_q8_0"), signature("ember_rows_q8_0"), critical);
                    q4k = linker.downcallHandle(lib.findOrThrow("ember_rows_q4_k"), signature("ember_rows_q4_k"), critical);
                    q6k = linker.downcallHandle(lib.findOrThrow("ember_rows_q6_k"), signature("ember_rows_q6_k"), critical);
                    q4x8 = linker.downcallHandle(lib.findOrThrow("ember_rows_q4_0_x8"), signature("ember_rows_q4_0_x8"), critical);
                    q4r8b = linker.downcallHandle(lib.findOrThrow("ember_rows_q4_0_r8b"), signature("ember_rows_q4_0_r8b"), critical);
                    q4kx8 = linker.downcallHandle(lib.findOrThrow("ember_rows_q4_k_x8"), signature("ember_rows_q4_k_x8"), critical);
                    repackQ4kx8 = linker.downcallHandle(lib.findOrThrow("ember_repack_q4_k_x8"), signature("ember_repack_q4_k_x8"));
                    repackR8b = linker.downcallHandle(lib.findOrThrow("ember_repack_q4_0_r8b"), signature("ember_repack_q4_0_r8b"));
                    repackR8d = linker.downcallHandle(lib.findOrThrow("ember_repack_q4_0_r8d"), signature("ember_repack_q4_0_r8d"));
                    repackQ8r8d = linker.downcallHandle(lib.findOrThrow("ember_repack_q8_0_r8d"), signature("ember_repack_q8_0_r8d"));
                    alloc = linker.downcallHandle(lib.findOrThrow("ember_alloc"), signature("ember_alloc"));
                    free = linker.downcallHandle(lib.findOrThrow("ember_free"), signature("ember_free"));
                    sparseFfn = linker.downcallHandle(lib.findOrThrow("ember_sparse_ffn_q4_0"), signature("ember_sparse_ffn_q4_0"), critical);
                    sparseFfn8 = linker.downcallHandle(lib.findOrThrow("ember_sparse_ffn_q8_0"), signature("ember_sparse_ffn_q8_0"), critical);
                    sparseFfn4k = linker.downcallHandle(lib.findOrThrow("ember_sparse_ffn_q4_k"), signature("ember_sparse_ffn_q4_k"), critical);
                    sparseFfn6k = linker.downcallHandle(lib.findOrThrow("ember_sparse_ffn_q6_k"), signature("ember_sparse_ffn_q6_k"), critical);
                    reduce = linker.downcallHandle(lib.findOrThrow("ember_reduce_partials"), signature("ember_reduce_partials"), critical);
                    bundle = linker.downcallHandle(lib.findOrThrow("ember_bundle"), signature("ember_bundle"));
                    acc4 = linker.downcallHandle(lib.findOrThrow("ember_accumulate_q4_0"), signature("ember_accumulate_q4_0"), critical);
                    acc8 = linker.downcallHandle(lib.findOrThrow("ember_accumulate_q8_0"), signature("ember_accumulate_q8_0"), critical);
                    accR8d4 = linker.downcallHandle(lib.findOrThrow("ember_accumulate_r8d_q4_0"), signature("ember_accumulate_r8d_q4_0"), critical);
                    accR8d8 = linker.downcallHandle(lib.findOrThrow("ember_accumulate_r8d_q8_0"), signature("ember_accumulate_r8d_q8_0"), critical);
                    // not critical: a repack takes a while, and a critical call holds off the GC meanwhile
                    repack = linker.downcallHandle(lib.findOrThrow("ember_repack_q4_0_x8"), signature("ember_repack_q4_0_x8"));
                }
            } catch (UnavailableException e) {
                reason = e.getMessage();
            } catch (Throwable t) {
                reason = "cannot load the native library: " + t;
            }
            REASON = reason;
            ISA = reason == null ? isa : null;
            ROWS_Q4_0 = q4;
            ROWS_Q8_0 = q8;
            ROWS_Q4_K = q4k;
            ROWS_Q6_K = q6k;
            ROWS_Q4_0_X8 = q4x8;
            REPACK_Q4_0_X8 = repack;
            ROWS_Q4_0_R8B = q4r8b;
            ROWS_Q4_K_X8 = q4kx8;
            REPACK_Q4_K_X8 = repackQ4kx8;
            REPACK_Q4_0_R8B = repackR8b;
            REPACK_Q4_0_R8D = repackR8d;
            REPACK_Q8_0_R8D = repackQ8r8d;
            ALLOC = alloc;
            FREE = free;
            SPARSE_FFN_Q4_0 = sparseFfn;
            SPARSE_FFN_Q8_0 = sparseFfn8;
            SPARSE_FFN_Q4_K = sparseFfn4k;
            SPARSE_FFN_Q6_K = sparseFfn6k;
            REDUCE_PARTIALS = reduce;
            BUNDLE = bundle;
            ACCUMULATE_Q4_0 = acc4;
            ACCUMULATE_Q8_0 = acc8;
            ACCUMULATE_R8D_Q4_0 = accR8d4;
            ACCUMULATE_R8D_Q8_0 = accR8d8;
        }
    }

    /** @return the kernel set the library runs, or null where it cannot be used */
    static Isa isa() {
        return Holder.ISA;
    }

    /** @return null if the kernels can run, else why not and how to fix it */
    static String unavailableReason() {
        return Holder.REASON;
    }

    static MethodHandle rowsQ4_0() {
        return Holder.ROWS_Q4_0;
    }

    static MethodHandle rowsQ8_0() {
        return Holder.ROWS_Q8_0;
    }

    static MethodHandle rowsQ4_K() {
        return Holder.ROWS_Q4_K;
    }

    static MethodHandle rowsQ6_K() {
        return Holder.ROWS_Q6_K;
    }

    static MethodHandle rowsQ4_0x8() {
        return Holder.ROWS_Q4_0_X8;
    }

    static MethodHandle rowsQ4_0r8b() {
        return Holder.ROWS_Q4_0_R8B;
    }

    /** {@code ember_rows_q4_k_x8}: groups of eight Q4_K rows repacked by {@link #repackQ4_Kx8()}; from/to in groups. */
    static MethodHandle rowsQ4_Kx8() {
        return Holder.ROWS_Q4_K_X8;
    }

    /** {@code ember_repack_q4_k_x8(w, rowBytes, groups, superBlocks, out)}: {@link #Q4_K_X8_BYTES} a group and super-block. */
    static MethodHandle repackQ4_Kx8() {
        return Holder.REPACK_Q4_K_X8;
    }

    /** {@code ember_repack_q4_0_r8b(w, rowBytes, rows, blocks, out)}: the REPACK descriptor, rows for groups. */
    static MethodHandle repackQ4_0r8b() {
        return Holder.REPACK_Q4_0_R8B;
    }

    /** {@code ember_repack_q4_0_r8d(w, rowBytes, rows, blocks, out)}: neuron-major down rows for the bundles. */
    static MethodHandle repackQ4_0r8d() {
        return Holder.REPACK_Q4_0_R8D;
    }

    /** {@code ember_repack_q8_0_r8d(w, rowBytes, rows, blocks, out)}: Q8_0 neuron-major down rows for the bundles. */
    static MethodHandle repackQ8_0r8d() {
        return Holder.REPACK_Q8_0_R8D;
    }

    /**
     * @return {@code bytes} of memory for a repacked weight copy: from {@code ember_alloc} (2 MiB aligned, huge
     *         pages advised), freed when the segment is unreachable; from an automatic arena if that fails
     */
    static MemorySegment allocate(long bytes) {
        return allocate(bytes, Arena.ofAuto());
    }

    /** As {@link #allocate(long)}, freed when {@code arena} closes. */
    static MemorySegment allocate(long bytes, Arena arena) {
        try {
            MemorySegment p = (MemorySegment) Holder.ALLOC.invokeExact(bytes);
            if (p.equals(MemorySegment.NULL)) {
                return arena.allocate(bytes, 64);
            }
            return p.reinterpret(bytes, arena, NativeLibrary::free);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("ember_alloc failed", e);
        }
    }

    private static void free(MemorySegment p) {
        try {
            Holder.FREE.invokeExact(p);
        } catch (Throwable e) {
            throw new IllegalStateException("ember_free failed", e);
        }
    }

    static MethodHandle sparseFfnQ4_0() {
        return Holder.SPARSE_FFN_Q4_0;
    }

    static MethodHandle sparseFfnQ8_0() {
        return Holder.SPARSE_FFN_Q8_0;
    }

    static MethodHandle sparseFfnQ4_K() {
        return Holder.SPARSE_FFN_Q4_K;
    }

    static MethodHandle sparseFfnQ6_K() {
        return Holder.SPARSE_FFN_Q6_K;
    }

    static MethodHandle reducePartials() {
        return Holder.REDUCE_PARTIALS;
    }

    static MethodHandle bundle() {
        return Holder.BUNDLE;
    }

    static MethodHandle accumulateQ4_0() {
        return Holder.ACCUMULATE_Q4_0;
    }

    static MethodHandle accumulateQ8_0() {
        return Holder.ACCUMULATE_Q8_0;
    }

    /** {@code ember_accumulate_r8d_X}: as accumulate, over r8d rows in windows of eight; from/to in groups of 256. */
    static MethodHandle accumulateR8dQ4_0() {
        return Holder.ACCUMULATE_R8D_Q4_0;
    }

    static MethodHandle accumulateR8dQ8_0() {
        return Holder.ACCUMULATE_R8D_Q8_0;
    }

    static MethodHandle repackQ4_0x8() {
        return Holder.REPACK_Q4_0_X8;
    }

    /** @return {@code linux-x86_64} and the like: the folder the library is packaged under */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("linux") ? "linux" : os.contains("mac") ? "macos" : os.replace(' ', '_');
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return o + "-" + a;
    }

    private static Path locate() throws IOException, UnavailableException {
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit.strip());
            if (!Files.isRegularFile(p)) {
                throw new UnavailableException(PATH_PROPERTY + "=" + explicit + " is not a file");
            }
            return p;
        }
        String resource = "/native/" + platform() + "/libember_kernels.so";
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnavailableException("no native library for " + platform() + " in this build (it is"
                        + " compiled where gcc exists when Ember is built; install gcc and rebuild: ./ember build)");
            }
            // the loader needs a file: copy the packaged library out once per JVM
            Path file = Files.createTempFile("ember_kernels", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }

    /** The library is absent or unusable here: a reason, not a failure. */
    private static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message);
        }
    }
}
