package dev.ember.gguf;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes GGUF v3 files exactly as llama.cpp's {@code gguf_write_to_file} lays them out: header,
 * key/values, tensor infos, padding to the alignment, then each tensor's data padded to the
 * alignment, in the order the tensors were added. Files it writes open in llama.cpp.
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

    private record PendingTensor(String name, GgmlType type, Shape shape, TensorFiller filler) { }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    /** @return this, with {@code key} set to {@code value} (replacing an earlier value, keeping its place) */
    public GgufWriter put(String key, GgufValue value) {
        if (key.equals(GgufFile.ALIGNMENT_KEY)) {
            Long a = value.type() == GgufValueType.UINT32 ? value.asLong() : null;
            if (a == null || a == 0 || Long.bitCount(a) != 1) {
                throw new IllegalArgumentException(GgufFile.ALIGNMENT_KEY + " must be a UINT32 power of two");
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
        tensors.add(new PendingTensor(name, type, shape, filler));
        return this;
    }

    /** @return this, with a tensor whose data is copied from {@code data} (exactly its byte size) */
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
     * Writes the file, replacing any existing one.
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
            PendingTensor t = tensors.get(i);
            dataSize += GgufFile.pad(t.type.byteSize(t.shape.elementCount()), alignment);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocate((int) dataOffset);
            buf.put(header);
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (dataSize > 0) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment data = ch.map(FileChannel.MapMode.READ_WRITE, dataOffset, dataSize, arena);
                    for (int i = 0; i < tensors.size(); i++) {
                        PendingTensor t = tensors.get(i);
                        t.filler.fill(data.asSlice(offsets[i], t.type.byteSize(t.shape.elementCount())));
                    }
                    data.force();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** The header up to the end of the tensor infos, with offsets as {@link #write} lays the data out. */
    private byte[] header(int alignment) {
        Encoder out = new Encoder();
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
            offset += GgufFile.pad(t.type.byteSize(t.shape.elementCount()), alignment);
        }
        return out.toByteArray();
    }

    /** A growable little-endian buffer for the header. */
    private static final class Encoder {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        void u8(byte v) {
            ensure(1);
            buf.put(v);
        }

        void u16(short v) {
            ensure(2);
            buf.putShort(v);
        }

        void u32(int v) {
            ensure(4);
            buf.putInt(v);
        }

        void u64(long v) {
            ensure(8);
            buf.putLong(v);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            ensure(b.length);
            buf.put(b);
        }

        void value(GgufValue v) {
            Object o = v.value();
            switch (v.type()) {
                case UINT8, INT8 -> u8((Byte) o);
                case UINT16, INT16 -> u16((Short) o);
                case UINT32, INT32 -> u32((Integer) o);
                case UINT64, INT64 -> u64((Long) o);
                case FLOAT32 -> u32(Float.floatToRawIntBits((Float) o));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) o));
                case BOOL -> u8((byte) ((Boolean) o ? 1 : 0));
                case STRING -> string((String) o);
                case ARRAY -> {
                    u32(v.elementType().id());
                    int n = Array.getLength(o);
                    u64(n);
                    for (int i = 0; i < n; i++) {
                        GgufValue e = v.element(i);
                        value(e);
                    }
                }
            }
        }

        byte[] toByteArray() {
            byte[] b = new byte[buf.position()];
            buf.flip().get(b);
            return b;
        }
    }
}
