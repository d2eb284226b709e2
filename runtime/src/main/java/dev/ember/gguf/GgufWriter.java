package dev.ember.gguf;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes GGUF v3 files exactly as llama.cpp's {@code gguf_write_to_file} lays them out: header,
 * key/values, tensor infos, padding to the alignment, then each tensor's data padded to the
 * alignment (the last one too), in the order the tensors were added, padding bytes zero. Files
 * it writes open in llama.cpp, and a file llama.cpp wrote comes back byte for byte when its
 * metadata and tensors are copied in file order. One difference: llama.cpp writes
 * {@code ggml_n_dims} dims (trailing 1s dropped), this writer the {@link Shape} as given, as
 * gguf-py does; a shape read from a file is already what its writer chose. Nested arrays are
 * written as the spec allows, but llama.cpp's reader refuses them: leave them out of files meant
 * for llama.cpp.
 *
 * <pre>
 * new GgufWriter()
 *     .putString("general.architecture", "llama")
 *     .addTensor("token_embd.weight", GgmlType.F32, new Shape(256, 512), dst -> fill(dst))
 *     .write(path);
 * </pre>
 *
 * <p>Tensor data is written straight into a mapping of the output file, so a multi-GB synthetic
 * model needs no heap; a filler that writes nothing leaves a sparse file of zeros.
 */
public final class GgufWriter {
    /** ggml's {@code GGML_MAX_NAME}: tensor names must be shorter than this many bytes. */
    public static final int MAX_TENSOR_NAME_BYTES = 64;

    /** Fills one tensor's data region (exactly its byte size) of the file being written. */
    @FunctionalInterface
    public interface TensorFiller {
        /** @param dst the tensor's bytes in the output file, zero on entry */
        void fill(MemorySegment dst);
    }

    private record PendingTensor(String name, GgmlType type, Shape shape, TensorFiller filler) {
        long byteSize() {
            return type.byteSize(shape.elementCount());
        }
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    /**
     * @return this, with {@code key} set to {@code value} (replacing an earlier value, keeping its place)
     * @throws IllegalArgumentException for an empty key (llama.cpp refuses to read one) or a
     *         {@code general.alignment} that is not a UINT32 power of two up to 2^30
     */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("metadata keys must not be empty");
        }
        if (key.equals(GgufFile.ALIGNMENT_KEY)) {
            Long a = value.type() == GgufValueType.UINT32 ? value.asLong() : null;
            if (a == null || Long.bitCount(a) != 1 || a > GgufParser.MAX_ALIGNMENT) {
                throw new IllegalArgumentException(GgufFile.ALIGNMENT_KEY + " must be a UINT32 power of two up to "
                        + GgufParser.MAX_ALIGNMENT + ", got " + value);
            }
        }
        metadata.put(key, value);
        return this;
    }

    /** @return this, with a STRING value */
    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.string(value));
    }

    /** @return this, with a UINT32 value */
    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValue.uint32(value));
    }

    /** @return this, with an INT32 value */
    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValue.int32(value));
    }

    /** @return this, with a FLOAT32 value */
    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValue.float32(value));
    }

    /** @return this, with a UINT64 value; the bits of {@code value} are taken as unsigned */
    public GgufWriter putUint64(String key, long value) {
        return put(key, GgufValue.uint64(value));
    }

    /** @return this, with an ARRAY of STRING value */
    public GgufWriter putStringArray(String key, String... values) {
        return put(key, GgufValue.stringArray(values));
    }

    /** @return this, with a BOOL value */
    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.bool(value));
    }

    /** @return this, with every key/value of {@code source} copied in its order */
    public GgufWriter putAll(GgufMetadata source) {
        source.asMap().forEach(this::put);
        return this;
    }

    /** @return this, with a tensor whose data the filler writes in place */
    public GgufWriter addTensor(String name, GgmlType type, Shape shape, TensorFiller filler) {
        if (name.getBytes(StandardCharsets.UTF_8).length >= MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is " + MAX_TENSOR_NAME_BYTES
                    + " bytes or longer; llama.cpp would refuse it");
        }
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        }
        type.byteSize(shape.rowLength()); // rows must hold whole blocks
        type.byteSize(shape.elementCount()); // and the size must fit a long
        tensors.add(new PendingTensor(name, type, shape, filler));
        return this;
    }

    /**
     * @return this, with a tensor whose data is copied from {@code data} (exactly its byte size)
     *         when the file is written: {@code data} must stay readable until then
     */
    public GgufWriter addTensor(String name, GgmlType type, Shape shape, MemorySegment data) {
        long size = type.byteSize(shape.elementCount());
        if (data.byteSize() != size) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize()
                    + " bytes given, " + size + " needed for " + type + " " + shape);
        }
        return addTensor(name, type, shape, dst -> dst.copyFrom(data));
    }

    /** @return the alignment the file will use */
    public int alignment() {
        GgufValue a = metadata.get(GgufFile.ALIGNMENT_KEY);
        return a == null ? GgufFile.DEFAULT_ALIGNMENT : (int) (long) a.asLong();
    }

    /**
     * Writes the file, replacing any existing one. The bytes go to a temporary file beside it that
     * is then renamed over {@code path}: a failed write leaves no half file, and a {@link GgufFile}
     * still mapping the old file (say, the source of a copy) keeps reading the old bytes instead of
     * faulting on a truncated mapping.
     *
     * @throws UncheckedIOException if the file cannot be written
     */
    public void write(Path path) {
        int alignment = alignment();
        byte[] header = header(alignment);
        long dataOffset = GgufFile.pad(header.length, alignment);
        long[] offsets = new long[tensors.size()];
        long dataSize = 0;
        for (int i = 0; i < tensors.size(); i++) {
            offsets[i] = dataSize;
            dataSize = Math.addExact(dataSize, GgufFile.pad(tensors.get(i).byteSize(), alignment));
        }
        Path target = path.toAbsolutePath();
        Path tmp = null;
        try {
            // not Files.createTempFile: its owner-only permissions would stay on the renamed file
            tmp = Files.createFile(target.resolveSibling("." + target.getFileName() + "."
                    + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp"));
            writeTo(tmp, header, dataOffset, offsets, dataSize);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private void writeTo(Path file, byte[] header, long dataOffset, long[] offsets, long dataSize)
            throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // header and its zero padding: with no tensors no mapping follows to extend the file
            ByteBuffer buf = ByteBuffer.wrap(Arrays.copyOf(header, (int) dataOffset));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (dataSize > 0) {
                // Mapping past the end grows the file without writing: untouched pages stay holes.
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment data = ch.map(FileChannel.MapMode.READ_WRITE, dataOffset, dataSize, arena);
                    for (int i = 0; i < tensors.size(); i++) {
                        PendingTensor t = tensors.get(i);
                        t.filler.fill(data.asSlice(offsets[i], t.byteSize()));
                    }
                    data.force();
                }
            }
        }
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp != null) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write already failed; that error is the one worth reporting
            }
        }
    }

    /** The header up to the end of the tensor infos, with offsets as {@link #write} lays the data out. */
    private byte[] header(int alignment) {
        GgufEncoder out = new GgufEncoder();
        out.u32(GgufFile.MAGIC);
        out.u32(3);
        out.u64(tensors.size());
        out.u64(metadata.size());
        metadata.forEach((key, value) -> {
            out.string(key);
            out.u32(value.type().id());
            out.value(value);
        });
        long offset = 0;
        for (PendingTensor t : tensors) {
            out.string(t.name);
            long[] dims = t.shape.dims();
            out.u32(dims.length);
            for (long d : dims) {
                out.u64(d);
            }
            out.u32(t.type.id());
            out.u64(offset);
            offset += GgufFile.pad(t.byteSize(), alignment);
        }
        return out.toByteArray();
    }
}
