package dev.ember.gguf;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates the header of a mapped GGUF file: everything {@link GgufFile#open} checks
 * lives here, in file order, so each check can be read next to the field it guards. All arithmetic
 * on values from the file is overflow-safe (divide instead of multiply, compare before add).
 *
 * <p>Compared with llama.cpp's {@code gguf_init_from_file}: the same checks on magic, version,
 * counts, key uniqueness, empty keys, value types, alignment, dims, type ids and block multiples;
 * stricter on BOOL values (0 or 1, as the spec says) and on dims (at least one, each at least 1,
 * since a {@link Shape} cannot be empty); more lenient on tensor names (no 64-byte limit) and on
 * the order of tensor data (any aligned offset inside the file, where llama.cpp wants the tensors
 * packed in info order). Nested arrays are read, as the spec allows, though llama.cpp refuses them.
 * Like llama.cpp, a file without tensors may end right after its header, unpadded.
 */
final class GgufParser {
    /** The smallest tensor info: a 1-byte name (8+1), n_dims, one dim, type and offset. */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8;
    /** The smallest key/value: a 1-byte key (8+1), its type and a 1-byte value. */
    private static final int MIN_KV_BYTES = 8 + 1 + 4 + 1;
    /** The largest alignment accepted; real files use 32 (or 64 for some converters). */
    static final long MAX_ALIGNMENT = 1L << 30;

    /** A parsed header and the tensors laid over the mapping. */
    record Parsed(int version, GgufMetadata metadata, List<GgufTensorInfo> infos, Map<String, Tensor> tensors,
                  int alignment, long dataOffset) { }

    /** A tensor info with where it was read, for error messages. */
    private record Located(GgufTensorInfo info, long offsetAt) { }

    private final Path path;
    private final MemorySegment mapping;
    private final GgufReader r;

    private GgufParser(Path path, MemorySegment mapping) {
        this.path = path;
        this.mapping = mapping;
        this.r = new GgufReader(path, mapping);
    }

    static Parsed parse(Path path, MemorySegment mapping) {
        return new GgufParser(path, mapping).parse();
    }

    private Parsed parse() {
        int version = header();
        // counts are checked against the bytes left before any list is sized from them
        int nTensors = r.count("header", -1, "tensor count", MIN_TENSOR_INFO_BYTES);
        int nKv = r.count("header", -1, "metadata count", MIN_KV_BYTES);

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        long alignmentAt = -1;
        for (int i = 0; i < nKv; i++) {
            long at = r.position();
            String key = r.string("metadata key #" + i);
            if (key.isEmpty()) {
                throw r.error(at, "metadata key #" + i + ": expected a non-empty key, found length 0");
            }
            if (kv.containsKey(key)) {
                throw r.error(at, "metadata key #" + i + " '" + key + "': expected unique keys, found a duplicate");
            }
            String field = "metadata '" + key + "'";
            GgufValueType type = r.valueType(field + " type");
            if (key.equals(GgufFile.ALIGNMENT_KEY)) {
                alignmentAt = r.position();
            }
            kv.put(key, r.value(type, field, 0));
        }
        GgufMetadata metadata = new GgufMetadata(path, kv);
        int alignment = alignment(metadata.get(GgufFile.ALIGNMENT_KEY), alignmentAt);

        List<Located> located = new ArrayList<>(nTensors);
        Map<String, Long> seen = new HashMap<>();
        for (int i = 0; i < nTensors; i++) {
            long at = r.position();
            Located l = tensorInfo(i);
            Long first = seen.putIfAbsent(l.info.name(), at);
            if (first != null) {
                throw r.error(at, "tensor #" + i + " '" + l.info.name() + "': expected unique names, found the name"
                        + " of the tensor at offset " + first);
            }
            located.add(l);
        }

        long headerEnd = r.position();
        long fileSize = mapping.byteSize();
        // headerEnd <= fileSize < 2^63 and alignment <= 2^30: padding cannot overflow
        long dataOffset = GgufFile.pad(headerEnd, alignment);
        if (nTensors > 0 && dataOffset > fileSize) {
            throw r.error(headerEnd, "data section: expected to start at " + dataOffset + " (header end "
                    + headerEnd + " padded to alignment " + alignment + "), found file size " + fileSize);
        }
        List<GgufTensorInfo> infos = new ArrayList<>(nTensors);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Located l : located) {
            GgufTensorInfo ti = l.info;
            infos.add(ti);
            tensors.put(ti.name(), new Tensor(ti.name(), ti.type(), ti.shape(),
                    data(ti, l.offsetAt, alignment, dataOffset, fileSize)));
        }
        return new Parsed(version, metadata, Collections.unmodifiableList(infos),
                Collections.unmodifiableMap(tensors), alignment, dataOffset);
    }

    private int header() {
        int magic = r.u32("magic");
        if (magic != GgufFile.MAGIC) {
            throw r.error(0, String.format("magic: expected 'GGUF' (0x%08x), found 0x%08x", GgufFile.MAGIC, magic));
        }
        int version = r.u32("version");
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            String hint = swapped == 2 || swapped == 3 ? " (a big-endian GGUF, which Ember does not read)"
                    : version == 1 ? " (GGUF v1 is obsolete: re-convert the model)" : "";
            throw r.error(4, "version: expected 2 or 3, found " + Integer.toUnsignedString(version) + hint);
        }
        return version;
    }

    private int alignment(GgufValue v, long at) {
        if (v == null) {
            return GgufFile.DEFAULT_ALIGNMENT;
        }
        String field = "metadata '" + GgufFile.ALIGNMENT_KEY + "'";
        if (v.type() != GgufValueType.UINT32) {
            throw r.error(at, field + ": expected type UINT32, found " + v.type());
        }
        long a = v.asLong();
        if (a == 0 || Long.bitCount(a) != 1 || a > MAX_ALIGNMENT) {
            throw r.error(at, field + ": expected a power of two up to " + MAX_ALIGNMENT + ", found " + a);
        }
        return (int) a;
    }

    private Located tensorInfo(int i) {
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
            if (dims[d] <= 0) { // a u64 above 2^63 reads as negative
                throw r.error(at, field + " dim " + d + ": expected 1.." + Long.MAX_VALUE + ", found "
                        + Long.toUnsignedString(dims[d]));
            }
            if (elements > Long.MAX_VALUE / dims[d]) {
                throw r.error(at, field + " shape " + Arrays.toString(Arrays.copyOf(dims, d + 1))
                        + ": expected at most " + Long.MAX_VALUE + " elements, found more");
            }
            elements *= dims[d];
        }
        at = r.position();
        int typeId = r.u32(field + " type");
        GgmlType type = GgmlType.fromId(typeId);
        if (type == null) {
            throw r.error(at, field + " type: expected a known ggml type id, found "
                    + Integer.toUnsignedString(typeId));
        }
        if (dims[0] % type.blockSize() != 0) {
            throw r.error(at, field + " row length: expected a multiple of the " + type + " block size "
                    + type.blockSize() + ", found " + dims[0]);
        }
        if (elements / type.blockSize() > Long.MAX_VALUE / type.bytesPerBlock()) {
            throw r.error(at, field + " data size: expected at most " + Long.MAX_VALUE + " bytes, found "
                    + elements + " elements of " + type);
        }
        long offsetAt = r.position();
        long offset = r.u64(field + " offset");
        if (offset < 0) {
            throw r.error(offsetAt, field + " offset: expected 0.." + Long.MAX_VALUE + ", found "
                    + Long.toUnsignedString(offset));
        }
        return new Located(new GgufTensorInfo(name, new Shape(dims), type, offset), offsetAt);
    }

    /** The tensor's bytes as a slice of the mapping, once its offset and size are known to fit the file. */
    private MemorySegment data(GgufTensorInfo ti, long offsetAt, int alignment, long dataOffset, long fileSize) {
        String field = "tensor '" + ti.name() + "'";
        if (ti.offset() % alignment != 0) {
            throw r.error(offsetAt, field + " offset: expected a multiple of the alignment " + alignment
                    + ", found " + ti.offset());
        }
        long size = ti.byteSize();
        long available = fileSize - dataOffset;
        if (ti.offset() > available || size > available - ti.offset()) {
            // dataOffset + offset may overflow when offset is absurd: print them apart
            String start = ti.offset() > available ? dataOffset + " + " + ti.offset()
                    : Long.toString(dataOffset + ti.offset());
            throw r.error(offsetAt, field + " data: [offset " + start + ", " + size + " bytes] ends past the file size "
                    + fileSize);
        }
        return mapping.asSlice(dataOffset + ti.offset(), size);
    }
}
