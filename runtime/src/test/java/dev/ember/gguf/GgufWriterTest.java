package dev.ember.gguf;

import dev.ember.gguf.GgufFixtures.TensorData;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GgufWriter round trips: what is written reads back exactly, laid out as llama.cpp lays it out. */
class GgufWriterTest {
    @TempDir
    Path dir;

    private static Map<String, TensorData> tensorsOfSeveralTypes() {
        Random rnd = new Random(42);
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("f32", GgufFixtures.random(rnd, GgmlType.F32, new Shape(5, 3)));
        t.put("f16", GgufFixtures.random(rnd, GgmlType.F16, new Shape(7, 2, 3)));
        t.put("q8_0", GgufFixtures.random(rnd, GgmlType.Q8_0, new Shape(96, 5)));
        t.put("q4_k", GgufFixtures.random(rnd, GgmlType.Q4_K, new Shape(512, 3)));
        t.put("4d", GgufFixtures.random(rnd, GgmlType.F32, new Shape(2, 3, 1, 2)));
        return t;
    }

    @ParameterizedTest(name = "alignment {0}")
    @ValueSource(ints = {1, 8, 32, 64, 4096})
    void roundTripsMetadataAndTensorsAtAnyAlignment(int alignment) throws IOException {
        Map<String, GgufValue> metadata = GgufFixtures.everyValueType();
        metadata.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(alignment));
        Map<String, TensorData> tensors = tensorsOfSeveralTypes();
        Path p = dir.resolve("a" + alignment + ".gguf");
        GgufFixtures.writer(metadata, tensors).write(p);

        byte[] bytes = Files.readAllBytes(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(metadata, f.metadata().asMap());
            assertEquals(List.copyOf(metadata.keySet()), List.copyOf(f.metadata().keys()));
            assertEquals(alignment, f.alignment());
            assertEquals(GgufFile.pad(GgufFixtures.headerFields(bytes).end(), alignment), f.dataOffset());
            long expectedOffset = 0;
            for (GgufTensorInfo ti : f.tensorInfos()) {
                TensorData t = tensors.get(ti.name());
                assertEquals(expectedOffset, ti.offset(), ti.name());
                assertEquals(t.shape(), ti.shape());
                assertEquals(t.type(), ti.type());
                assertArrayEquals(t.bytes(), f.tensor(ti.name()).data().toArray(ValueLayout.JAVA_BYTE), ti.name());
                expectedOffset += GgufFile.pad(t.bytes().length, alignment);
            }
            assertEquals(List.copyOf(tensors.keySet()), f.tensorInfos().stream().map(GgufTensorInfo::name).toList());
            assertEquals(f.dataOffset() + expectedOffset, bytes.length);
        }
        for (long i = GgufFixtures.headerFields(bytes).end(); i < bytes.length; i++) {
            if (!insideTensor(i, bytes, tensors, alignment)) {
                assertEquals(0, bytes[(int) i], "padding byte at " + i);
            }
        }
    }

    private static boolean insideTensor(long at, byte[] file, Map<String, TensorData> tensors, int alignment) {
        long start = GgufFile.pad(GgufFixtures.headerFields(file).end(), alignment);
        for (TensorData t : tensors.values()) {
            if (at >= start && at < start + t.bytes().length) {
                return true;
            }
            start += GgufFile.pad(t.bytes().length, alignment);
        }
        return false;
    }

    @Test
    void writesScalarsInTheirExactEncoding() throws IOException {
        Path p = dir.resolve("scalars.gguf");
        new GgufWriter().putUint64("u64", 0xFFFF_FFFF_FFFF_FFFEL).put("u32", GgufValue.uint32(0xFFFF_FFFFL))
                .put("i16", GgufValue.int16(-2)).putString("s", "é").write(p);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(GgufFile.MAGIC, b.getInt(0));
        assertEquals(3, b.getInt(4));
        assertEquals(0, b.getLong(8));
        assertEquals(4, b.getLong(16));
        // "u64": key length 3, key, type 10, value
        assertEquals(3, b.getLong(24));
        assertEquals(10, b.getInt(35));
        assertEquals(0xFFFF_FFFF_FFFF_FFFEL, b.getLong(39));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals("18446744073709551614", f.metadata().get("u64").display(1));
            assertEquals(0xFFFF_FFFFL, f.metadata().getLong("u32"));
            assertEquals(-2, f.metadata().getInt("i16"));
            assertEquals("é", f.metadata().getString("s"));
        }
        assertEquals(0, Files.size(p) % 32, "the header is padded even without tensors, as llama.cpp does");
    }

    @Test
    void fillersWriteInPlaceAndUntouchedBytesAreZero() {
        Path p = dir.resolve("fill.gguf");
        new GgufWriter()
                .addTensor("ones", GgmlType.F32, new Shape(8), dst -> dst.fill((byte) 1))
                .addTensor("zeros", GgmlType.Q4_0, new Shape(64), dst -> { })
                .write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertTrue(allBytes(f.tensor("ones").data(), (byte) 1));
            assertTrue(allBytes(f.tensor("zeros").data(), (byte) 0));
        }
    }

    private static boolean allBytes(MemorySegment s, byte v) {
        for (long i = 0; i < s.byteSize(); i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != v) {
                return false;
            }
        }
        return true;
    }

    @Test
    void replacesAFileThatIsStillMappedWithoutDisturbingTheReader() throws IOException {
        Path p = dir.resolve("self.gguf");
        GgufFixtures.writer(GgufFixtures.everyValueType(), GgufFixtures.smallTensors(1)).write(p);
        try (GgufFile old = GgufFile.open(p)) {
            GgufWriter w = new GgufWriter().putAll(old.metadata()).putString("extra", "yes");
            old.tensors().forEach((name, t) -> w.addTensor(name, t.type(), t.shape(), t.data()));
            w.write(p); // copies from the old mapping into the new file at the same path
            byte[] expected = GgufFixtures.smallTensors(1).get("token_embd.weight").bytes();
            assertArrayEquals(expected, old.tensor("token_embd.weight").data().toArray(ValueLayout.JAVA_BYTE));
            try (GgufFile now = GgufFile.open(p)) {
                assertEquals("yes", now.metadata().getString("extra"));
                assertArrayEquals(expected, now.tensor("token_embd.weight").data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void aFailingFillerLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path p = dir.resolve("keep.gguf");
        new GgufWriter().putString("v", "old").write(p);
        byte[] before = Files.readAllBytes(p);
        GgufWriter w = new GgufWriter().putString("v", "new")
                .addTensor("t", GgmlType.F32, new Shape(4), dst -> {
                    throw new IllegalStateException("boom");
                });
        assertThrows(IllegalStateException.class, () -> w.write(p));
        assertArrayEquals(before, Files.readAllBytes(p));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void rejectsWhatLlamaCppWouldRefuse() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.putString("", "empty key"));
        assertThrows(IllegalArgumentException.class, () -> w.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(48)));
        assertThrows(IllegalArgumentException.class, () -> w.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(0)));
        assertThrows(IllegalArgumentException.class, () -> w.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(1L << 31)));
        assertThrows(IllegalArgumentException.class, () -> w.put(GgufFile.ALIGNMENT_KEY, GgufValue.int32(32)));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("x".repeat(64), GgmlType.F32, new Shape(1), dst -> { }));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", GgmlType.Q8_0, new Shape(33), dst -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("d", GgmlType.F32, new Shape(4), MemorySegment.ofArray(new byte[15])));
        w.addTensor("t", GgmlType.F32, new Shape(1), dst -> { });
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.F32, new Shape(1), dst -> { }));
    }

    @Test
    void valuesThatWouldEncodeCorruptlyAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GgufValue.array(GgufValueType.ARRAY,
                new GgufValue[] {GgufValue.string("not an array")}));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.stringArray("a", null));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.array(GgufValueType.INT32, new long[1]));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint8(256));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint32(-1));
    }
}
