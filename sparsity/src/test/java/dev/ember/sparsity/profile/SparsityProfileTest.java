package dev.ember.sparsity.profile;

import dev.ember.EmberException;
import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufWriter;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sparsity profiles: round trips, and a clear EmberException for every file that is not the right profile. */
class SparsityProfileTest {
    private static final String HASH = "a1".repeat(32);
    private static final String OTHER_HASH = "b2".repeat(32);

    @TempDir
    Path dir;

    private static final float[] TAU0 = {0.5f, 1f, Float.POSITIVE_INFINITY, 0f};
    private static final float[] TAU1 = {-0f, Float.NaN, 3.25f, 1e-30f};
    private static final float[] MATRIX = {1, 2, 3, 4, 5, 6}; // ne0 = 3 columns, ne1 = 2 rows

    private Path writeSample() {
        Path p = dir.resolve("model.sparsity.gguf");
        SparsityProfile.builder("chess", HASH, 2)
                .param("sparsity", "0.5")
                .param("calibration_tokens", "4096")
                .floats("blk.0.chess_tau", TAU0, 4)
                .floats("blk.1.chess_tau", TAU1, 4)
                .floats("blk.0.matrix", MATRIX, 3, 2)
                .write(p);
        return p;
    }

    @Test
    void roundTripsMetadataAndTensors() {
        Path p = writeSample();
        try (SparsityProfile prof = SparsityProfile.open(p, HASH)) {
            assertEquals("chess", prof.method());
            assertEquals(HASH, prof.modelHash());
            assertEquals(2, prof.layers());
            assertEquals(Map.of("sparsity", "0.5", "calibration_tokens", "4096"), prof.params());
            assertEquals(List.of("sparsity", "calibration_tokens"), List.copyOf(prof.params().keySet()));
            assertEquals("0.5", prof.param("sparsity", "x"));
            assertEquals("x", prof.param("alpha", "x"));
            assertTrue(prof.has("blk.0.chess_tau"));
            assertFalse(prof.has("blk.2.chess_tau"));
            // bit-exact, NaN, infinity and -0 included (assertArrayEquals compares float bits)
            assertArrayEquals(TAU0, prof.floats("blk.0.chess_tau"));
            assertArrayEquals(TAU1, prof.floats("blk.1.chess_tau"));
            assertArrayEquals(MATRIX, prof.floats("blk.0.matrix"));
            assertArrayEquals(new long[] {4}, prof.shape("blk.0.chess_tau"));
            assertArrayEquals(new long[] {3, 2}, prof.shape("blk.0.matrix"));
        }
    }

    @Test
    void writesTheDocumentedKeysAsAPlainGgufFile() {
        Path p = writeSample();
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals("chess", f.metadata().getString("ember.sparsity.method"));
            assertEquals(HASH, f.metadata().getString("ember.sparsity.model_hash"));
            assertEquals(2, f.metadata().getInt("ember.sparsity.layers"));
            assertEquals("0.5", f.metadata().getString("ember.sparsity.param.sparsity"));
            assertEquals(GgmlType.F32, f.tensor("blk.0.matrix").type());
            assertEquals(new Shape(3, 2), f.tensor("blk.0.matrix").shape());
        }
    }

    @Test
    void floatsReturnsACopy() {
        try (SparsityProfile prof = SparsityProfile.open(writeSample(), HASH)) {
            prof.floats("blk.0.chess_tau")[0] = 42f;
            assertEquals(0.5f, prof.floats("blk.0.chess_tau")[0]);
        }
    }

    @Test
    void builderCopiesValuesWhenAdded() {
        float[] v = {1f, 2f};
        Path p = dir.resolve("copy.gguf");
        SparsityProfile.Builder b = SparsityProfile.builder("chess", HASH, 1).floats("blk.0.x", v, 2);
        v[0] = 99f;
        b.write(p);
        try (SparsityProfile prof = SparsityProfile.open(p, null)) {
            assertArrayEquals(new float[] {1f, 2f}, prof.floats("blk.0.x"));
        }
    }

    @Test
    void largeTensorRoundTrips() {
        Random rnd = new Random(3);
        float[] big = new float[4096 * 3];
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) rnd.nextGaussian();
        }
        Path p = dir.resolve("big.gguf");
        SparsityProfile.builder("coreinfer", HASH, 32).floats("blk.31.big", big, 4096, 3).write(p);
        try (SparsityProfile prof = SparsityProfile.open(p, HASH)) {
            assertArrayEquals(big, prof.floats("blk.31.big"));
            assertEquals("coreinfer", prof.method());
            assertEquals(32, prof.layers());
            assertTrue(prof.params().isEmpty());
        }
    }

    @Test
    void nullExpectedHashSkipsTheCheck() {
        try (SparsityProfile prof = SparsityProfile.open(writeSample(), null)) {
            assertEquals(HASH, prof.modelHash());
        }
    }

    @Test
    void hashMismatchNamesBothHashes() {
        Path p = writeSample();
        EmberException e = assertThrows(EmberException.class, () -> SparsityProfile.open(p, OTHER_HASH));
        String m = e.getMessage();
        assertTrue(m.contains(HASH) && m.contains(OTHER_HASH), m);
        assertTrue(m.contains("calibrated for another model"), m);
        assertFalse(m.contains("\n"), "one line: " + m);
    }

    @Test
    void missingFileIsAClearError() {
        Path p = dir.resolve("nope.sparsity.gguf");
        EmberException e = assertThrows(EmberException.class, () -> SparsityProfile.open(p, HASH));
        assertTrue(e.getMessage().contains("nope.sparsity.gguf"), e.getMessage());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void garbageIsAClearError() throws IOException {
        Path p = dir.resolve("garbage.gguf");
        byte[] junk = new byte[1000];
        new Random(1).nextBytes(junk);
        Files.write(p, junk);
        EmberException e = assertThrows(EmberException.class, () -> SparsityProfile.open(p, HASH));
        assertTrue(e.getMessage().contains("cannot open sparsity profile"), e.getMessage());
        Path empty = Files.write(dir.resolve("empty.gguf"), new byte[0]);
        assertThrows(EmberException.class, () -> SparsityProfile.open(empty, HASH));
    }

    @Test
    void everyTruncationIsAClearError() throws IOException {
        Path p = writeSample();
        byte[] whole = Files.readAllBytes(p);
        // cut at every byte in the header and at a few points in the data
        for (int len = 0; len < whole.length; len += len < 400 ? 1 : 37) {
            Path cut = dir.resolve("cut.gguf");
            try (FileChannel ch = FileChannel.open(cut, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(whole, 0, len));
            }
            int at = len;
            assertThrows(EmberException.class, () -> SparsityProfile.open(cut, HASH).close(), "cut at " + at);
        }
    }

    @Test
    void ggufThatIsNotAProfileIsAClearError() {
        Path p = dir.resolve("model.gguf");
        new GgufWriter().putString("general.architecture", "llama").write(p);
        EmberException e = assertThrows(EmberException.class, () -> SparsityProfile.open(p, HASH));
        assertTrue(e.getMessage().contains("not an ember sparsity profile"), e.getMessage());
    }

    @Test
    void wrongMetadataTypesAreClearErrors() {
        Path p = dir.resolve("bad.gguf");
        new GgufWriter().putString("ember.sparsity.method", "chess").putUint32("ember.sparsity.model_hash", 7)
                .putUint32("ember.sparsity.layers", 2).write(p);
        EmberException e = assertThrows(EmberException.class, () -> SparsityProfile.open(p, null));
        assertTrue(e.getMessage().contains("ember.sparsity.model_hash"), e.getMessage());

        new GgufWriter().putString("ember.sparsity.method", "chess").putString("ember.sparsity.model_hash", HASH)
                .write(p);
        e = assertThrows(EmberException.class, () -> SparsityProfile.open(p, null));
        assertTrue(e.getMessage().contains("ember.sparsity.layers"), e.getMessage());

        new GgufWriter().putString("ember.sparsity.method", "chess").putString("ember.sparsity.model_hash", HASH)
                .putString("ember.sparsity.layers", "two").write(p);
        e = assertThrows(EmberException.class, () -> SparsityProfile.open(p, null));
        assertTrue(e.getMessage().contains("ember.sparsity.layers"), e.getMessage());
    }

    @Test
    void absentOrNonF32TensorsAreNamed() {
        Path p = dir.resolve("f16.gguf");
        new GgufWriter().putString("ember.sparsity.method", "chess").putString("ember.sparsity.model_hash", HASH)
                .putUint32("ember.sparsity.layers", 1)
                .addTensor("blk.0.half", GgmlType.F16, new Shape(4), dst -> { })
                .write(p);
        try (SparsityProfile prof = SparsityProfile.open(p, HASH)) {
            assertTrue(prof.has("blk.0.half"));
            EmberException e = assertThrows(EmberException.class, () -> prof.floats("blk.0.half"));
            assertTrue(e.getMessage().contains("blk.0.half") && e.getMessage().contains("F16"), e.getMessage());
            e = assertThrows(EmberException.class, () -> prof.floats("blk.0.missing"));
            assertTrue(e.getMessage().contains("blk.0.missing"), e.getMessage());
            e = assertThrows(EmberException.class, () -> prof.shape("blk.0.missing"));
            assertTrue(e.getMessage().contains("blk.0.missing"), e.getMessage());
        }
    }

    @Test
    void tensorReadsAfterCloseFailClearly() {
        SparsityProfile prof = SparsityProfile.open(writeSample(), HASH);
        prof.close();
        assertEquals("chess", prof.method());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> prof.floats("blk.0.chess_tau"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void builderRejectsBadInput() {
        SparsityProfile.Builder b = SparsityProfile.builder("chess", HASH, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.floats("blk.0.x", new float[5], 2, 2));
        assertTrue(e.getMessage().contains("blk.0.x") && e.getMessage().contains("5"), e.getMessage());
        b.floats("blk.0.y", new float[2], 2);
        e = assertThrows(IllegalArgumentException.class, () -> b.floats("blk.0.y", new float[2], 2));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SparsityProfile.builder("", HASH, 1));
        assertThrows(IllegalArgumentException.class, () -> SparsityProfile.builder("chess", "", 1));
        assertThrows(IllegalArgumentException.class, () -> SparsityProfile.builder("chess", HASH, -1));
        assertThrows(IllegalArgumentException.class, () -> b.param("", "v"));
    }

    @Test
    void unwritableTargetIsAClearError() {
        Path p = dir.resolve("no-such-dir").resolve("p.gguf");
        EmberException e = assertThrows(EmberException.class,
                () -> SparsityProfile.builder("chess", HASH, 1).write(p));
        assertTrue(e.getMessage().contains("cannot write sparsity profile"), e.getMessage());
    }
}
