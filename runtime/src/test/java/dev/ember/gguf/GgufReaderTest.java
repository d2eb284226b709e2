package dev.ember.gguf;

import dev.ember.gguf.GgufFixtures.TensorData;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading valid GGUF v2/v3 files: every value type, tensor infos, layout, mapping lifetime. */
class GgufReaderTest {
    @TempDir
    Path dir;

    private Path writeFixture(String name) {
        Path p = dir.resolve(name);
        GgufFixtures.writer(GgufFixtures.everyValueType(), GgufFixtures.smallTensors(7)).write(p);
        return p;
    }

    @Test
    void readsEveryValueTypeTensorInfoAndLayoutOfV3() throws IOException {
        Path p = writeFixture("every-type.gguf");
        byte[] bytes = Files.readAllBytes(p);
        Map<String, TensorData> expected = GgufFixtures.smallTensors(7);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(GgufFixtures.everyValueType(), f.metadata().asMap());
            assertEquals(List.copyOf(GgufFixtures.everyValueType().keySet()), List.copyOf(f.metadata().keys()));
            assertEquals(32, f.alignment());
            int headerEnd = GgufFixtures.headerFields(bytes).end();
            assertEquals(GgufFile.pad(headerEnd, 32), f.dataOffset());
            assertEquals(bytes.length, f.fileSize());

            assertEquals(List.copyOf(expected.keySet()), f.tensorInfos().stream().map(GgufTensorInfo::name).toList());
            long offset = 0;
            for (GgufTensorInfo ti : f.tensorInfos()) {
                TensorData t = expected.get(ti.name());
                assertEquals(t.type(), ti.type());
                assertEquals(t.shape(), ti.shape());
                assertEquals(offset, ti.offset(), ti.name());
                offset += GgufFile.pad(t.bytes().length, 32);
                Tensor tensor = f.tensor(ti.name());
                assertArrayEquals(t.bytes(), tensor.data().toArray(ValueLayout.JAVA_BYTE), ti.name());
            }
            assertEquals(bytes.length, f.dataOffset() + offset, "the last tensor is padded too");
        }
    }

    @Test
    void tensorsAreSlicesOfOneMappingNotHeapCopies() {
        Path p = writeFixture("slices.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            Long base = null;
            for (GgufTensorInfo ti : f.tensorInfos()) {
                Tensor t = f.tensor(ti.name());
                assertTrue(t.data().isNative() && t.data().isMapped(), ti.name() + " is not a mapped segment");
                assertFalse(t.data().heapBase().isPresent());
                long b = t.data().address() - f.dataOffset() - ti.offset();
                if (base == null) {
                    base = b;
                }
                assertEquals(base, b, ti.name() + " is not at its file offset in the one mapping");
            }
        }
    }

    @Test
    void readsV2LikeV3() throws IOException {
        Path v3 = writeFixture("v3.gguf");
        byte[] b = Files.readAllBytes(v3);
        b[4] = 2; // GGUF v2 has the same little-endian layout; only the version differs
        Path v2 = Files.write(dir.resolve("v2.gguf"), b);
        try (GgufFile f2 = GgufFile.open(v2); GgufFile f3 = GgufFile.open(v3)) {
            assertEquals(2, f2.version());
            assertEquals(f3.metadata().asMap(), f2.metadata().asMap());
            assertEquals(f3.tensorInfos(), f2.tensorInfos());
            assertEquals(f3.dataOffset(), f2.dataOffset());
        }
    }

    @Test
    void closeReleasesTheMapping() {
        Path p = writeFixture("close.gguf");
        GgufFile f = GgufFile.open(p);
        Tensor t = f.tensor("token_embd.weight");
        t.data().get(ValueLayout.JAVA_BYTE, 0);
        f.close();
        assertThrows(IllegalStateException.class, () -> t.data().get(ValueLayout.JAVA_BYTE, 0));
        f.close(); // twice is harmless
    }

    @Test
    void missingTensorIsNamed() {
        try (GgufFile f = GgufFile.open(writeFixture("missing.gguf"))) {
            assertNull(f.findTensor("output.weight"));
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> f.tensor("output.weight"));
            assertTrue(e.getMessage().startsWith("missing.gguf: tensor 'output.weight'"), e.getMessage());
        }
    }

    @Test
    void missingFileIsAnIoError() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> GgufFile.open(dir.resolve("absent.gguf")));
        assertTrue(e.getMessage().contains("absent.gguf"), e.getMessage());
    }

    @Test
    void aFileWithoutTensorsNeedsNoDataPadding() throws IOException {
        byte[] b = new GgufFixtures.Bytes().header(3, 0, 1).str("k").u32(8).str("v").toArray();
        try (GgufFile f = GgufFile.open(Files.write(dir.resolve("no-tensors.gguf"), b))) {
            assertEquals("v", f.metadata().getString("k"));
            assertTrue(f.tensors().isEmpty());
        }
    }

    @Test
    void stringsThatReallyContainTheReplacementCharacterStayValid() {
        Path p = dir.resolve("fffd.gguf");
        new GgufWriter().putString("k", "a\uFFFDb").putStringArray("arr", "\uFFFD", "ok").write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals("a\uFFFDb", f.metadata().getString("k"));
            assertArrayEquals(new String[] {"\uFFFD", "ok"}, f.metadata().getStringArray("arr"));
        }
    }

    @Test
    void tensorsMayUseEveryKnownType() {
        Path p = dir.resolve("types.gguf");
        GgufWriter w = new GgufWriter();
        for (GgmlType type : GgmlType.values()) {
            w.addTensor("t." + type, type, new Shape(type.blockSize(), 2), dst -> dst.fill((byte) 1));
        }
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(GgmlType.values().length, f.tensors().size());
            for (GgmlType type : GgmlType.values()) {
                Tensor t = f.tensor("t." + type);
                assertEquals(type, t.type());
                assertEquals(2L * type.bytesPerBlock(), t.data().byteSize());
            }
        }
    }
}
