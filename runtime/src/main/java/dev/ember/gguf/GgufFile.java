package dev.ember.gguf;

import dev.ember.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * An open GGUF file: the whole file mapped once, read-only, off-heap; the header parsed into
 * {@link GgufMetadata} and {@link GgufTensorInfo}s; every tensor a {@link Tensor} whose data is a
 * slice of the mapping. No weight byte is copied to the heap, so a multi-GB model opens in
 * milliseconds. Everything is validated here, once (counts, lengths, types, shapes, alignment,
 * every tensor's data inside the file), so no later read can fall outside the mapping.
 *
 * <pre>
 * try (GgufFile gguf = GgufFile.open(path)) {
 *     String arch = gguf.metadata().getString("general.architecture");
 *     Tensor q = gguf.tensor("blk.0.attn_q.weight");
 * }
 * </pre>
 *
 * <p>Layout (GGUF v2/v3, little-endian): magic "GGUF", u32 version, u64 tensor count, u64 kv count,
 * the key/values, the tensor infos (name, u32 n_dims, u64 dims[n_dims], u32 type, u64 offset),
 * padding to {@code general.alignment} (default 32), then the data section; tensor offsets are
 * relative to its start. v2 and v3 differ only in that v3 may be big-endian, which is refused (with
 * a hint), so both read alike. Closing releases the mapping: tensors must not be used after that.
 * The mapping is shared, so tensors may be read from any thread.
 */
public final class GgufFile implements AutoCloseable {
    /** "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    /** Alignment of the data section and of every tensor when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** The metadata key that sets the alignment. */
    public static final String ALIGNMENT_KEY = "general.alignment";

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensorInfo> tensorInfos;
    private final Map<String, Tensor> tensors;
    private final int alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, GgufMetadata metadata,
                     List<GgufTensorInfo> infos, Map<String, Tensor> tensors, int alignment, long dataOffset) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.tensorInfos = infos;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws GgufFormatException if the file is not valid GGUF v2/v3 (the message names the field)
     * @throws UncheckedIOException if the file cannot be read
     */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            GgufParser.Parsed p = GgufParser.parse(path, mapping);
            return new GgufFile(path, arena, mapping, p.version(), p.metadata(), p.infos(), p.tensors(),
                    p.alignment(), p.dataOffset());
        } catch (NoSuchFileException e) {
            arena.close();
            throw new UncheckedIOException("no such file: " + path, e);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** @return {@code n} rounded up to a multiple of {@code alignment} (> 0); ArithmeticException on overflow */
    static long pad(long n, long alignment) {
        long rest = n % alignment;
        return rest == 0 ? n : Math.addExact(n, alignment - rest);
    }

    /** @return the file this was opened from */
    public Path path() {
        return path;
    }

    /** @return the GGUF version (2 or 3) */
    public int version() {
        return version;
    }

    /** @return the key/value metadata */
    public GgufMetadata metadata() {
        return metadata;
    }

    /** @return the tensor infos in file order */
    public List<GgufTensorInfo> tensorInfos() {
        return tensorInfos;
    }

    /** @return every tensor by name, in file order */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** @return the tensor with this name, or null if the file has none */
    public Tensor findTensor(String name) {
        return tensors.get(name);
    }

    /**
     * @return the tensor with this name
     * @throws GgufFormatException naming the tensor if it is absent
     */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new GgufFormatException(path, -1, "tensor '" + name + "' is missing");
        }
        return t;
    }

    /** @return the data section alignment */
    public int alignment() {
        return alignment;
    }

    /** @return the file offset where the data section starts (for a file without tensors, maybe past its end) */
    public long dataOffset() {
        return dataOffset;
    }

    /** @return the size of the file in bytes */
    public long fileSize() {
        return mapping.byteSize();
    }

    /** Releases the mapping; tensors of this file must not be read afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
