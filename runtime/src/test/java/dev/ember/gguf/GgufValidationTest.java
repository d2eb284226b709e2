package dev.ember.gguf;

import dev.ember.gguf.GgufFixtures.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every check {@link GgufFile#open} makes, one hand-built header each: the error is a
 * {@link GgufFormatException} naming the file, the field, its offset, and expected vs found.
 */
class GgufValidationTest {
    private static final int F32 = 0;
    private static final int Q8_0 = 8;
    /** magic + version + tensor count + kv count */
    private static final int HEADER = 24;

    @TempDir
    Path dir;

    /** Asserts that opening {@code b} fails at {@code offset} with every fragment in the message. */
    private void rejects(Bytes b, long offset, String... fragments) {
        Path p;
        try {
            p = Files.write(dir.resolve("bad.gguf"), b.toArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p).close());
        String m = e.getMessage();
        assertTrue(m.startsWith("bad.gguf: "), m);
        assertEquals(offset, e.offset(), m);
        assertTrue(m.endsWith("(at offset " + offset + ")"), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "'" + f + "' not in: " + m);
        }
    }

    /** A header with one key {@code k} whose type and value bytes follow. */
    private static Bytes oneKey(int type) {
        return new Bytes().header(3, 0, 1).str("k").u32(type);
    }

    /** Where the value of {@link #oneKey} starts. */
    private static final int VALUE = HEADER + 8 + 1 + 4;

    @Test
    void magicVersionAndCounts() {
        rejects(new Bytes(), 0, "magic: needs 4 bytes, found 0");
        rejects(new Bytes().u32(0x4C4D4747).u32(3), 0, "magic: expected 'GGUF' (0x46554747), found 0x4c4d4747");
        rejects(new Bytes().header(1, 0, 0), 4, "version: expected 2 or 3, found 1", "obsolete");
        rejects(new Bytes().header(0x03000000, 0, 0), 4, "found 50331648", "big-endian");
        rejects(new Bytes().header(4, 0, 0), 4, "version: expected 2 or 3, found 4");
        rejects(new Bytes().u32(GgufFile.MAGIC).u32(3).u32(0), 8, "tensor count: needs 8 bytes, found 4");
        rejects(new Bytes().header(3, 1L << 40, 0), 8, "tensor count: expected at most 0", "found 1099511627776");
        rejects(new Bytes().header(3, 0, -1), 16, "metadata count: expected at most 0",
                "found 18446744073709551615");
        rejects(new Bytes().header(3, 0, 2).str("k").u32(7).u8(1), 16, "metadata count: expected at most 1");
    }

    @Test
    void keys() {
        rejects(new Bytes().header(3, 0, 1).u64(Long.MAX_VALUE).u32(0).u8(0).u8(0), HEADER,
                "metadata key #0 length: expected at most 6", "found 9223372036854775807");
        rejects(new Bytes().header(3, 0, 1).str("").u32(0).u8(0).u8(0), HEADER,
                "metadata key #0: expected a non-empty key");
        Bytes dup = new Bytes().header(3, 0, 2).str("k").u32(0).u8(1);
        int second = dup.size();
        rejects(dup.str("k").u32(0).u8(2), second, "metadata key #1 'k': expected unique keys");
        rejects(new Bytes().header(3, 0, 1).u64(2).raw(new byte[] {(byte) 0xC3, 0x28}).u32(0).u8(0), HEADER,
                "metadata key #0: expected 2 bytes of UTF-8, found invalid bytes");
    }

    @Test
    void values() {
        rejects(oneKey(13).u8(0), VALUE - 4, "metadata 'k' type: expected a value type id 0..12, found 13");
        rejects(oneKey(7).u8(2), VALUE, "metadata 'k': expected BOOL 0 or 1, found 2");
        rejects(oneKey(10).u32(0), VALUE, "metadata 'k': needs 8 bytes, found 4");
        rejects(oneKey(8).u64(-2).u8(0), VALUE, "metadata 'k' length: expected at most 1",
                "found 18446744073709551614");
        rejects(oneKey(8).u64(3).raw(new byte[] {'a', (byte) 0xE2, (byte) 0x82}), VALUE,
                "metadata 'k': expected 3 bytes of UTF-8, found invalid bytes");
        rejects(oneKey(8).u64(3).raw(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}), VALUE, "UTF-8");
    }

    @Test
    void arrays() {
        rejects(oneKey(9).u32(5).u64(1L << 62).u32(1), VALUE + 4,
                "metadata 'k' element count: expected at most 1 (4 bytes left, 4 or more each),"
                + " found 4611686018427387904");
        rejects(oneKey(9).u32(14).u64(0), VALUE, "metadata 'k' element type: expected a value type id 0..12, found 14");
        rejects(oneKey(9).u32(7).u64(3).u8(1).u8(0).u8(9), VALUE + 12 + 2,
                "metadata 'k'[2]: expected BOOL 0 or 1, found 9");
        Bytes strings = oneKey(9).u32(8).u64(2).str("ok");
        int second = strings.size();
        rejects(strings.u64(1L << 33).u8('x'), second, "metadata 'k'[1] length: expected at most 1");
        Bytes nested = oneKey(9);
        for (int depth = 0; depth < GgufReader.MAX_ARRAY_DEPTH; depth++) {
            nested.u32(9).u64(1);
        }
        int deepest = nested.size();
        rejects(nested.u32(5).u64(0), deepest,
                "metadata 'k'[0][0][0][0][0][0][0][0]: expected arrays nested at most 8");
    }

    @Test
    void alignment() {
        String key = GgufFile.ALIGNMENT_KEY;
        int value = HEADER + 8 + key.length() + 4;
        rejects(new Bytes().header(3, 0, 1).str(key).u32(5).u32(64), value,
                "metadata 'general.alignment': expected type UINT32, found INT32");
        rejects(new Bytes().header(3, 0, 1).str(key).u32(4).u32(48), value, "expected a power of two", "found 48");
        rejects(new Bytes().header(3, 0, 1).str(key).u32(4).u32(0), value, "expected a power of two", "found 0");
        rejects(new Bytes().header(3, 0, 1).str(key).u32(4).u32(1L << 31), value, "found 2147483648");
    }

    /** Where the n_dims of a tensor named 't' sits, right after a header without metadata. */
    private static final int DIMS = HEADER + 8 + 1;

    @Test
    void tensorShapes() {
        rejects(new Bytes().header(3, 1, 0).tensor("t", F32, 0), DIMS, "tensor 't' n_dims: expected 1..4, found 0");
        rejects(new Bytes().header(3, 1, 0).tensor("t", F32, 0, 1, 1, 1, 1, 1), DIMS, "expected 1..4, found 5");
        rejects(new Bytes().header(3, 1, 0).tensor("t", F32, 0, 4, 0), DIMS + 4 + 8, "tensor 't' dim 1: expected 1..",
                "found 0");
        rejects(new Bytes().header(3, 1, 0).tensor("t", F32, 0, Long.MIN_VALUE), DIMS + 4, "found 9223372036854775808");
        rejects(new Bytes().header(3, 1, 0).tensor("t", F32, 0, 1L << 32, 1L << 32), DIMS + 4 + 8,
                "tensor 't' shape [4294967296, 4294967296]: expected at most 9223372036854775807 elements");
        rejects(new Bytes().header(3, 1, 0).tensor("t", 4, 0, 32), DIMS + 4 + 8,
                "tensor 't' type: expected a known ggml type id, found 4");
        rejects(new Bytes().header(3, 1, 0).tensor("t", -1, 0, 32), DIMS + 4 + 8, "found 4294967295");
        rejects(new Bytes().header(3, 1, 0).tensor("t", Q8_0, 0, 33), DIMS + 4 + 8,
                "tensor 't' row length: expected a multiple of the Q8_0 block size 32, found 33");
        rejects(new Bytes().header(3, 1, 0).tensor("t", F32, 0, 1L << 61, 2), DIMS + 4 + 16,
                "tensor 't' data size: expected at most 9223372036854775807 bytes");
    }

    @Test
    void tensorData() {
        int offsetField = DIMS + 4 + 8 + 4;
        Bytes misaligned = new Bytes().header(3, 1, 0).tensor("t", F32, 8, 4);
        rejects(misaligned.padAndData(32, 64), offsetField,
                "tensor 't' offset: expected a multiple of the alignment 32, found 8");
        Bytes past = new Bytes().header(3, 1, 0).tensor("t", F32, 32, 16);
        rejects(past.padAndData(32, 64), offsetField,
                "tensor 't' data: [offset 96, 64 bytes] ends past the file size 128");
        Bytes huge = new Bytes().header(3, 1, 0).tensor("t", F32, 1L << 62, 4);
        rejects(huge.padAndData(32, 16), offsetField, "data: [offset 64 + 4611686018427387904, 16 bytes] ends past");
        rejects(new Bytes().header(3, 1, 0).tensor("t", F32, -32, 4).padAndData(32, 16), offsetField,
                "tensor 't' offset: expected 0..9223372036854775807, found 18446744073709551584");
        Bytes noData = new Bytes().header(3, 1, 0).tensor("t", F32, 0, 4);
        int end = noData.size();
        rejects(noData, end, "data section: expected to start at 64 (header end " + end + " padded to alignment 32),"
                + " found file size " + end);
        Bytes twice = new Bytes().header(3, 2, 0).tensor("t", F32, 0, 4);
        int second = twice.size();
        rejects(twice.tensor("t", F32, 32, 4).padAndData(32, 64), second,
                "tensor #1 't': expected unique names, found the name of the tensor at offset 24");
        rejects(new Bytes().header(3, 1, 0).u64(100).raw(new byte[25]), HEADER,
                "tensor #0 name length: expected at most 25", "found 100");
    }
}
