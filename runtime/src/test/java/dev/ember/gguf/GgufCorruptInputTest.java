package dev.ember.gguf;

import dev.ember.gguf.GgufFixtures.HeaderFields;
import dev.ember.gguf.GgufFixtures.TensorData;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Corrupt input: every truncation of a small valid file, and seeded random mutations of its
 * header, must either load (with every tensor inside the file) or throw {@link GgufFormatException}:
 * never another exception, a hang, or a read outside the mapping. Prints the counts and a histogram
 * of the errors' first words, for the release note.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GgufCorruptInputTest {
    private static final long SEED = 0x6767_7566L;
    private static final int MUTATIONS = 10_000;
    /** u64 values that stress counts, lengths, dims and offsets. */
    private static final long[] HUGE = {-1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, (1L << 32) - 1, 1L << 31,
        Integer.MAX_VALUE - 8L, Integer.MAX_VALUE - 7L, 1L << 62, 0, 1, 33, 4096};

    @TempDir
    static Path dir;
    private static byte[] valid;
    private static Map<String, GgufValue> metadata;
    private static Map<String, TensorData> tensors;

    @BeforeAll
    static void writeFixture() throws IOException {
        metadata = GgufFixtures.everyValueType();
        tensors = GgufFixtures.smallTensors(SEED);
        Path p = dir.resolve("fixture.gguf");
        GgufFixtures.writer(metadata, tensors).write(p);
        valid = Files.readAllBytes(p);
    }

    /** Tallies outcomes; any exception but GgufFormatException is collected as a failure. */
    private static final class Tally {
        int loaded;
        int rejected;
        final Map<String, Integer> firstWords = new TreeMap<>();
        final List<String> failures = new ArrayList<>();

        void print(String what, int tried) {
            System.out.printf("GGUF corrupt input, %s: %d tried, %d loaded, %d rejected with GgufFormatException%n",
                    what, tried, loaded, rejected);
            firstWords.forEach((w, n) -> System.out.printf("  %6d  %s%n", n, w));
        }
    }

    /** Opens {@code bytes} (as mutant.gguf) and checks the contract; returns whether it loaded. */
    private static boolean check(byte[] bytes, String label, Tally tally) throws IOException {
        Path p = Files.write(dir.resolve("mutant.gguf"), bytes);
        try (GgufFile f = GgufFile.open(p)) {
            assertLoadedSafely(f);
            tally.loaded++;
            return true;
        } catch (GgufFormatException e) {
            tally.rejected++;
            tally.firstWords.merge(firstWords(e.getMessage()), 1, Integer::sum);
            return false;
        } catch (Throwable t) {
            if (tally.failures.size() < 10) {
                tally.failures.add(label + ": " + t);
                t.printStackTrace();
            }
            return false;
        }
    }

    /** A loaded file: every tensor inside the mapping, every byte and value readable. */
    private static void assertLoadedSafely(GgufFile f) {
        long dataBytes = f.fileSize() - f.dataOffset();
        for (GgufTensorInfo ti : f.tensorInfos()) {
            Tensor t = f.tensor(ti.name());
            assertTrue(ti.offset() >= 0 && ti.offset() <= dataBytes - t.data().byteSize(), ti.name());
            if (t.data().byteSize() > 0) {
                t.data().get(ValueLayout.JAVA_BYTE, 0);
                t.data().get(ValueLayout.JAVA_BYTE, t.data().byteSize() - 1);
            }
        }
        f.metadata().asMap().values().forEach(v -> v.display(4));
    }

    /** The field and first words of an error, without the file name; names as '…', numbers as N. */
    private static String firstWords(String message) {
        String m = message.substring(message.indexOf(": ") + 2).replaceAll("'[^']*'", "'…'")
                .replaceAll("\\[\\d+]", "[i]").replaceAll("\\d+", "N");
        int colon = m.indexOf(": ");
        String[] rest = m.substring(colon + 2).split(" ");
        return m.substring(0, colon) + ": " + String.join(" ", Arrays.copyOf(rest, Math.min(3, rest.length)));
    }

    @Test
    void everyTruncationLoadsIntactOrIsRejected() throws IOException {
        Tally tally = new Tally();
        for (int n = 0; n < valid.length; n++) {
            if (check(Arrays.copyOf(valid, n), "truncated to " + n, tally)) {
                // only the padding after the last tensor may go: then everything must be intact
                String label = "truncated to " + n;
                try (GgufFile f = GgufFile.open(dir.resolve("mutant.gguf"))) {
                    assertEquals(metadata, f.metadata().asMap(), label);
                    tensors.forEach((name, t) -> assertArrayEquals(t.bytes(),
                            f.tensor(name).data().toArray(ValueLayout.JAVA_BYTE), name + ", " + label));
                }
            }
        }
        tally.print("truncations of a " + valid.length + "-byte file", valid.length);
        assertEquals(List.of(), tally.failures);
        assertEquals(valid.length, tally.loaded + tally.rejected);
        assertTrue(tally.rejected > valid.length - 32, "a truncated header or tensor must be rejected");
    }

    @Test
    void randomHeaderMutationsLoadOrAreRejected() throws IOException {
        HeaderFields fields = GgufFixtures.headerFields(valid);
        int headerRegion = (int) GgufFile.pad(fields.end(), 32);
        Random rnd = new Random(SEED);
        Tally tally = new Tally();
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] b = valid.clone();
            int edits = 1 + rnd.nextInt(3);
            StringBuilder label = new StringBuilder("mutation #" + i + ":");
            for (int e = 0; e < edits; e++) {
                label.append(' ').append(mutate(b, rnd, headerRegion, fields));
            }
            check(b, label.toString(), tally);
        }
        tally.print(MUTATIONS + " seeded mutations (seed 0x" + Long.toHexString(SEED) + ") of the " + headerRegion
                + "-byte header region", MUTATIONS);
        assertEquals(List.of(), tally.failures);
        assertEquals(MUTATIONS, tally.loaded + tally.rejected);
        assertTrue(tally.rejected > MUTATIONS / 2, "most header mutations must be caught");
    }

    /** Applies one mutation and says which. */
    private static String mutate(byte[] b, Random rnd, int headerRegion, HeaderFields fields) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int at = rnd.nextInt(headerRegion);
        return switch (rnd.nextInt(7)) {
            case 0 -> {
                int bit = rnd.nextInt(8);
                b[at] ^= (byte) (1 << bit);
                yield "flip bit " + bit + " at " + at;
            }
            case 1 -> {
                b[at] = 0;
                yield "0x00 at " + at;
            }
            case 2 -> {
                b[at] = (byte) 0xFF;
                yield "0xFF at " + at;
            }
            case 3 -> {
                b[at] = (byte) rnd.nextInt(256);
                yield "random byte at " + at;
            }
            case 4, 5 -> {
                int field = fields.u64().get(rnd.nextInt(fields.u64().size()));
                long v = rnd.nextBoolean() ? HUGE[rnd.nextInt(HUGE.length)] : rnd.nextLong();
                buf.putLong(field, v);
                yield "u64 " + Long.toUnsignedString(v) + " at " + field;
            }
            default -> {
                int field = fields.u32().get(rnd.nextInt(fields.u32().size()));
                int v = rnd.nextBoolean() ? rnd.nextInt(16) : rnd.nextInt();
                buf.putInt(field, v);
                yield "u32 " + Integer.toUnsignedString(v) + " at " + field;
            }
        };
    }
}
