package dev.ember.gguf;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Test data for the GGUF tests: a small file with every value type, and a raw header builder. */
final class GgufFixtures {
    private GgufFixtures() {
    }

    /** Tensor name to its type, shape and exact bytes. */
    record TensorData(GgmlType type, Shape shape, byte[] bytes) { }

    /** Every scalar type, arrays of every type, nested and empty arrays, non-ASCII text. */
    static Map<String, GgufValue> everyValueType() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.string("llama"));
        m.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(32));
        m.put("test.u8", GgufValue.uint8(200));
        m.put("test.i8", GgufValue.int8(-100));
        m.put("test.u16", GgufValue.uint16(60000));
        m.put("test.i16", GgufValue.int16(-30000));
        m.put("test.u32", GgufValue.uint32(4_000_000_000L));
        m.put("test.i32", GgufValue.int32(-2_000_000_000));
        m.put("test.f32", GgufValue.float32(1.5f));
        m.put("test.bool", GgufValue.bool(true));
        m.put("test.string", GgufValue.string("héllo wörld ✓"));
        m.put("test.empty_string", GgufValue.string(""));
        m.put("test.u64", GgufValue.uint64(0xFEDC_BA98_7654_3210L)); // above Long.MAX_VALUE
        m.put("test.i64", GgufValue.int64(Long.MIN_VALUE));
        m.put("test.f64", GgufValue.float64(Math.PI));
        m.put("test.arr.u8", GgufValue.array(GgufValueType.UINT8, new byte[] {0, 1, (byte) 255}));
        m.put("test.arr.i8", GgufValue.array(GgufValueType.INT8, new byte[] {-128, 127}));
        m.put("test.arr.u16", GgufValue.array(GgufValueType.UINT16, new short[] {(short) 65535, 7}));
        m.put("test.arr.i16", GgufValue.array(GgufValueType.INT16, new short[] {-32768}));
        m.put("test.arr.u32", GgufValue.array(GgufValueType.UINT32, new int[] {-1, 0, 42}));
        m.put("test.arr.i32", GgufValue.int32Array(-5, 5));
        m.put("test.arr.f32", GgufValue.float32Array(0.25f, Float.NaN, -0f));
        m.put("test.arr.bool", GgufValue.array(GgufValueType.BOOL, new boolean[] {true, false, true}));
        m.put("test.arr.string", GgufValue.stringArray("a", "", "日本語", "emoji 😀"));
        m.put("test.arr.u64", GgufValue.array(GgufValueType.UINT64, new long[] {-1L, 1L}));
        m.put("test.arr.i64", GgufValue.array(GgufValueType.INT64, new long[] {Long.MIN_VALUE}));
        m.put("test.arr.f64", GgufValue.array(GgufValueType.FLOAT64, new double[] {1e300, -0.0}));
        m.put("test.arr.empty", GgufValue.array(GgufValueType.INT32, new int[0]));
        m.put("test.arr.nested", GgufValue.array(GgufValueType.ARRAY, new GgufValue[] {
            GgufValue.int32Array(1, 2, 3),
            GgufValue.stringArray("x", "yz"),
            GgufValue.array(GgufValueType.ARRAY, new GgufValue[] {GgufValue.float32Array(9f)}),
            GgufValue.array(GgufValueType.UINT8, new byte[0]),
        }));
        m.put("test.ключ.キー", GgufValue.string("ünïcödé value"));
        return m;
    }

    /** Three small tensors of different types, with seeded random bytes. */
    static Map<String, TensorData> smallTensors(long seed) {
        Random rnd = new Random(seed);
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("blk.0.attn_norm.weight", random(rnd, GgmlType.F32, new Shape(12)));
        t.put("blk.0.ffn_up.weight", random(rnd, GgmlType.F16, new Shape(16, 3)));
        t.put("token_embd.weight", random(rnd, GgmlType.Q8_0, new Shape(64, 2)));
        return t;
    }

    static TensorData random(Random rnd, GgmlType type, Shape shape) {
        byte[] b = new byte[(int) type.byteSize(shape.elementCount())];
        rnd.nextBytes(b);
        return new TensorData(type, shape, b);
    }

    /** A writer holding {@code metadata} and {@code tensors}, in their order. */
    static GgufWriter writer(Map<String, GgufValue> metadata, Map<String, TensorData> tensors) {
        GgufWriter w = new GgufWriter();
        metadata.forEach(w::put);
        tensors.forEach((name, t) -> w.addTensor(name, t.type(), t.shape(), MemorySegment.ofArray(t.bytes())));
        return w;
    }

    /**
     * Offsets of the u64 (counts, lengths, dims, tensor offsets) and u32 (version, types, n_dims)
     * fields of a valid little-endian GGUF header, found by walking it independently of the reader.
     */
    record HeaderFields(List<Integer> u64, List<Integer> u32, int end) { }

    static HeaderFields headerFields(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> u64 = new ArrayList<>();
        List<Integer> u32 = new ArrayList<>();
        u32.add(4);
        b.position(8);
        u64.add(b.position());
        long nTensors = b.getLong();
        u64.add(b.position());
        long nKv = b.getLong();
        for (long i = 0; i < nKv; i++) {
            skipString(b, u64);
            u32.add(b.position());
            skipValue(b, b.getInt(), u64, u32);
        }
        for (long i = 0; i < nTensors; i++) {
            skipString(b, u64);
            u32.add(b.position());
            int nDims = b.getInt();
            for (int d = 0; d < nDims; d++) {
                u64.add(b.position());
                b.getLong();
            }
            u32.add(b.position());
            b.getInt();
            u64.add(b.position());
            b.getLong();
        }
        return new HeaderFields(u64, u32, b.position());
    }

    private static void skipString(ByteBuffer b, List<Integer> u64) {
        u64.add(b.position());
        long len = b.getLong();
        b.position(b.position() + (int) len);
    }

    private static void skipValue(ByteBuffer b, int type, List<Integer> u64, List<Integer> u32) {
        GgufValueType t = GgufValueType.fromId(type);
        switch (t) {
            case STRING -> skipString(b, u64);
            case ARRAY -> {
                u32.add(b.position());
                int et = b.getInt();
                u64.add(b.position());
                long n = b.getLong();
                for (long i = 0; i < n; i++) {
                    skipValue(b, et, u64, u32);
                }
            }
            default -> b.position(b.position() + t.minEncodedSize());
        }
    }

    /** Builds raw little-endian header bytes, valid or not, for the validation tests. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u8(int v) {
            out.write(v);
            return this;
        }

        Bytes u32(long v) {
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        Bytes u64(long v) {
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Bytes str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).raw(b);
        }

        Bytes raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        /** magic, version, tensor count, kv count */
        Bytes header(int version, long nTensors, long nKv) {
            return u32(GgufFile.MAGIC).u32(version).u64(nTensors).u64(nKv);
        }

        /** a tensor info: name, dims, type id, offset */
        Bytes tensor(String name, int typeId, long offset, long... dims) {
            str(name).u32(dims.length);
            for (long d : dims) {
                u64(d);
            }
            return u32(typeId).u64(offset);
        }

        /** zero bytes up to a multiple of {@code alignment}, then {@code n} data bytes */
        Bytes padAndData(int alignment, int n) {
            while (out.size() % alignment != 0) {
                out.write(0);
            }
            return raw(new byte[n]);
        }

        int size() {
            return out.size();
        }

        byte[] toArray() {
            return out.toByteArray();
        }
    }
}
