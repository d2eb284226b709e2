package dev.ember.sparsity.profile;

import dev.ember.EmberException;
import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufWriter;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ModelHash: stable, sensitive to the header and both ends of the data, and as documented byte for byte. */
class ModelHashTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    /** A GGUF with a 3 MiB F32 tensor (data section > 2 MiB, so a middle exists) and a small one. */
    private Path model(String name, String arch) {
        Path p = dir.resolve(name);
        new GgufWriter()
                .putString("general.architecture", arch)
                .putUint32("llama.block_count", 2)
                .addTensor("token_embd.weight", GgmlType.F32, new Shape(256, 3 * 1024), dst -> {
                    for (long i = 0; i < dst.byteSize() / 4; i++) {
                        dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i * 0.001f);
                    }
                })
                .addTensor("output_norm.weight", GgmlType.F32, new Shape(256), dst -> {
                    for (long i = 0; i < 256; i++) {
                        dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, 1f);
                    }
                })
                .write(p);
        return p;
    }

    private static long dataOffset(Path p) {
        try (GgufFile f = GgufFile.open(p)) {
            return f.dataOffset();
        }
    }

    private static void flipByte(Path p, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x01)).rewind();
            ch.write(b, offset);
        }
    }

    @Test
    void isStableAndLowercaseHex() {
        Path p = model("m.gguf", "llama");
        String h = ModelHash.of(p);
        assertTrue(h.matches("[0-9a-f]{64}"), h);
        assertEquals(h, ModelHash.of(p));
    }

    @Test
    void aCopyHasTheSameHash() throws IOException {
        Path p = model("m.gguf", "llama");
        Path copy = Files.copy(p, dir.resolve("copy.gguf"));
        assertEquals(ModelHash.of(p), ModelHash.of(copy));
    }

    @Test
    void changesWithAByteInTheFirstMibOfData() throws IOException {
        Path p = model("m.gguf", "llama");
        String before = ModelHash.of(p);
        flipByte(p, dataOffset(p) + 12345);
        assertNotEquals(before, ModelHash.of(p));
    }

    @Test
    void changesWithAByteInTheLastMibOfData() throws IOException {
        Path p = model("m.gguf", "llama");
        String before = ModelHash.of(p);
        flipByte(p, Files.size(p) - 100); // inside output_norm.weight, the last tensor
        assertNotEquals(before, ModelHash.of(p));
    }

    @Test
    void changesWithTheMetadata() {
        assertNotEquals(ModelHash.of(model("a.gguf", "llama")), ModelHash.of(model("b.gguf", "qwen2")));
    }

    @Test
    void doesNotSeeTheMiddleOfALargeDataSection() throws IOException {
        // the documented price of reading only 2 MiB: a byte between the two ends is not hashed
        Path p = model("m.gguf", "llama");
        long mid = dataOffset(p) + MIB + MIB / 2;
        assertTrue(Files.size(p) - mid > MIB, "the byte lies before the last MiB");
        String before = ModelHash.of(p);
        flipByte(p, mid);
        assertEquals(before, ModelHash.of(p));
    }

    @Test
    void isTheDocumentedDigest() throws IOException, NoSuchAlgorithmException {
        Path p = model("m.gguf", "llama");
        byte[] all = Files.readAllBytes(p);
        int data = (int) dataOffset(p);
        assertTrue(all.length - data > 2 * MIB);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(all.length).array());
        sha.update(all, 0, data);
        sha.update(all, data, MIB);
        sha.update(all, all.length - MIB, MIB);
        assertEquals(HexFormat.of().formatHex(sha.digest()), ModelHash.of(p));
    }

    @Test
    void smallDataSectionIsHashedWhole() throws NoSuchAlgorithmException, IOException {
        Path p = dir.resolve("small.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("t", GgmlType.F32, new Shape(1000), dst -> dst.fill((byte) 7)).write(p);
        byte[] all = Files.readAllBytes(p);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(all.length).array());
        sha.update(all);
        assertEquals(HexFormat.of().formatHex(sha.digest()), ModelHash.of(p));
    }

    @Test
    void fileWithoutTensorsHashes() {
        Path p = dir.resolve("none.gguf");
        new GgufWriter().putString("general.architecture", "llama").write(p);
        assertTrue(ModelHash.of(p).matches("[0-9a-f]{64}"));
    }

    @Test
    void missingOrNonGgufFileIsAClearError() throws IOException {
        EmberException e = assertThrows(EmberException.class, () -> ModelHash.of(dir.resolve("nope.gguf")));
        assertTrue(e.getMessage().contains("nope.gguf"), e.getMessage());
        byte[] junk = new byte[100];
        Arrays.fill(junk, (byte) 'x');
        Path bad = Files.write(dir.resolve("bad.gguf"), junk);
        e = assertThrows(EmberException.class, () -> ModelHash.of(bad));
        assertTrue(e.getMessage().contains("bad.gguf"), e.getMessage());
    }
}
