package dev.ember.gguf;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
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
 * relative to its start. Closing releases the mapping: tensors must not be used after that.
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
            GgufFile file = parse(path, arena, mapping);
            return file;
        } catch (NoSuchFileException e) {
            arena.close();
            throw new UncheckedIOException("no such file: " + path, e);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment mapping) {
        GgufReader r = new GgufReader(path, mapping);
        int magic = r.u32("magic");
        if (magic != MAGIC) {
            throw r.error(0, String.format("magic: expected 'GGUF' (0x%08x), found 0x%08x", MAGIC, magic));
        }
        int version = r.u32("version");
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? " (a big-endian GGUF, which Ember does not read)"
                    : version == 1 ? " (GGUF v1 is obsolete: re-convert the model)" : "";
            throw r.error(4, "version: expected 2 or 3, found " + Integer.toUnsignedString(version) + hint);
        }
        // The smallest tensor info is a 1-byte name (8+1), n_dims, one dim, type and offset: 33 bytes.
        int nTensors = r.count("tensor count", 33);
        // The smallest key/value is an empty key (8), its type (4) and a 1-byte value: 13 bytes.
        int nKv = r.count("metadata count", 13);

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (int i = 0; i < nKv; i++) {
            long at = r.position();
            String key = r.string("metadata key #" + i);
            if (kv.containsKey(key)) {
                throw r.error(at, "metadata key '" + key + "' appears twice");
            }
            GgufValueType type = r.valueType("metadata '" + key + "' type");
            kv.put(key, r.value(type, "metadata '" + key + "'", 0));
        }
        GgufMetadata metadata = new GgufMetadata(path, kv);
        int alignment = alignment(r, metadata);

        List<GgufTensorInfo> infos = new ArrayList<>(nTensors);
        Map<String, Long> infoOffsets = new LinkedHashMap<>();
        for (int i = 0; i < nTensors; i++) {
            long at = r.position();
            infos.add(tensorInfo(r, i));
            if (infoOffsets.put(infos.get(i).name(), at) != null) {
                throw r.error(at, "tensor '" + infos.get(i).name() + "' appears twice");
            }
        }

        long headerEnd = r.position();
        long dataOffset = pad(headerEnd, alignment);
        long fileSize = mapping.byteSize();
        if (nTensors > 0 && dataOffset > fileSize) {
            throw r.error(headerEnd, "data section starts at " + dataOffset + " (header padded to alignment "
                    + alignment + ") past file size " + fileSize);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (GgufTensorInfo ti : infos) {
            long at = infoOffsets.get(ti.name());
            if (ti.offset() % alignment != 0) {
                throw r.error(at, "tensor '" + ti.name() + "' data offset " + ti.offset()
                        + " is not a multiple of the alignment " + alignment);
            }
            long size = ti.byteSize();
            long available = fileSize - dataOffset;
            if (ti.offset() > available || size > available - ti.offset()) {
                throw r.error(at, "tensor '" + ti.name() + "' data [offset " + (dataOffset + ti.offset()) + ", "
                        + size + " bytes] ends past file size " + fileSize);
            }
            MemorySegment data = mapping.asSlice(dataOffset + ti.offset(), size);
            tensors.put(ti.name(), new Tensor(ti.name(), ti.type(), ti.shape(), data));
        }
        return new GgufFile(path, arena, mapping, version, metadata, Collections.unmodifiableList(infos),
                Collections.unmodifiableMap(tensors), alignment, dataOffset);
    }

    private static int alignment(GgufReader r, GgufMetadata metadata) {
        GgufValue v = metadata.get(ALIGNMENT_KEY);
        if (v == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (v.type() != GgufValueType.UINT32) {
            throw r.error(-1, "metadata '" + ALIGNMENT_KEY + "' has type " + v.type() + ", expected UINT32");
        }
        long a = v.asLong();
        if (a == 0 || Long.bitCount(a) != 1 || a > (1 << 30)) {
            throw r.error(-1, "metadata '" + ALIGNMENT_KEY + "' = " + a + ", expected a power of two");
        }
        return (int) a;
    }

    private static GgufTensorInfo tensorInfo(GgufReader r, int i) {
        String name = r.string("tensor #" + i + " name");
        String field = "tensor '" + name + "'";
        long at = r.position();
        int nDims = r.u32(field + " n_dims");
        if (nDims < 1 || nDims > Shape.MAX_DIMS) {
            throw r.error(at, field + " n_dims: expected 1.." + Shape.MAX_DIMS + ", found "
                    + Integer.toUnsignedString(nDims));
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            at = r.position();
            dims[d] = r.u64(field + " dim " + d);
            if (dims[d] <= 0) {
                throw r.error(at, field + " dim " + d + ": expected a positive size, found "
                        + Long.toUnsignedString(dims[d]));
            }
            if (elements > Long.MAX_VALUE / dims[d]) {
                throw r.error(at, field + " shape " + java.util.Arrays.toString(dims) + " overflows 64 bits");
            }
            elements *= dims[d];
        }
        at = r.position();
        int typeId = r.u32(field + " type");
        GgmlType type = GgmlType.fromId(typeId);
        if (type == null) {
            throw r.error(at, field + " type: unknown ggml type id " + Integer.toUnsignedString(typeId));
        }
        if (dims[0] % type.blockSize() != 0) {
            throw r.error(at, field + " row length " + dims[0] + " is not a multiple of the " + type
                    + " block size " + type.blockSize());
        }
        if (elements / type.blockSize() > Long.MAX_VALUE / type.bytesPerBlock()) {
            throw r.error(at, field + " data size overflows 64 bits");
        }
        at = r.position();
        long offset = r.u64(field + " offset");
        if (offset < 0) {
            throw r.error(at, field + " offset " + Long.toUnsignedString(offset) + " is past any file");
        }
        return new GgufTensorInfo(name, new Shape(dims), type, offset);
    }

    static long pad(long n, long alignment) {
        return (n + alignment - 1) / alignment * alignment;
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

    /** @return the file offset where the data section starts */
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
