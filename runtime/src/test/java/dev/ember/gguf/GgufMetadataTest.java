package dev.ember.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Typed getters: widening, missing keys, wrong types, values too large; every error names the key. */
class GgufMetadataTest {
    private static final GgufMetadata M;

    static {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("u8", GgufValue.uint8(255));
        m.put("i8", GgufValue.int8(-128));
        m.put("u16", GgufValue.uint16(65535));
        m.put("i16", GgufValue.int16(-32768));
        m.put("u32.small", GgufValue.uint32(7));
        m.put("u32.max", GgufValue.uint32(0xFFFF_FFFFL));
        m.put("i32", GgufValue.int32(Integer.MIN_VALUE));
        m.put("u64.small", GgufValue.uint64(1L << 40));
        m.put("u64.huge", GgufValue.uint64(-1L));
        m.put("i64.big", GgufValue.int64(1L << 31));
        m.put("i64.neg", GgufValue.int64(-(1L << 31)));
        m.put("f32", GgufValue.float32(0.5f));
        m.put("f64", GgufValue.float64(1e-5));
        m.put("bool", GgufValue.bool(true));
        m.put("str", GgufValue.string("llama"));
        m.put("strs", GgufValue.stringArray("a", "b"));
        m.put("f32s", GgufValue.float32Array(1f, 2f));
        m.put("u8s", GgufValue.array(GgufValueType.UINT8, new byte[] {(byte) 255, 1}));
        m.put("i8s", GgufValue.array(GgufValueType.INT8, new byte[] {-1}));
        m.put("u16s", GgufValue.array(GgufValueType.UINT16, new short[] {(short) 65535}));
        m.put("i16s", GgufValue.array(GgufValueType.INT16, new short[] {-1}));
        m.put("u32s", GgufValue.array(GgufValueType.UINT32, new int[] {1, 0x7FFF_FFFF}));
        m.put("u32s.huge", GgufValue.array(GgufValueType.UINT32, new int[] {1, 2, 0x8000_0000}));
        m.put("i32s", GgufValue.int32Array(-1, 3));
        m.put("i64s", GgufValue.array(GgufValueType.INT64, new long[] {1}));
        M = new GgufMetadata(Path.of("/models/m.gguf"), m);
    }

    /** Asserts a GgufFormatException whose message names the file and key and has every fragment. */
    private static void fails(Executable e, String key, String... fragments) {
        GgufFormatException x = assertThrows(GgufFormatException.class, e);
        String m = x.getMessage();
        assertTrue(m.startsWith("m.gguf: metadata '" + key + "' "), m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "'" + f + "' not in: " + m);
        }
    }

    @Test
    void integersWidenUnsignedWithoutSign() {
        assertEquals(255, M.getInt("u8"));
        assertEquals(-128, M.getInt("i8"));
        assertEquals(65535, M.getInt("u16"));
        assertEquals(-32768, M.getInt("i16"));
        assertEquals(7, M.getInt("u32.small"));
        assertEquals(0xFFFF_FFFFL, M.getLong("u32.max"));
        assertEquals(Integer.MIN_VALUE, M.getInt("i32"));
        assertEquals(1L << 40, M.getLong("u64.small"));
        assertEquals(-(1L << 31), M.getInt("i64.neg"));
        assertEquals(4.2949673e9f, M.getFloat("u32.max"));
        assertEquals(1.8446744e19f, M.getFloat("u64.huge"), "UINT64 above 2^63 is not negative");
        assertEquals(0.5f, M.getFloat("f32"));
        assertEquals(1e-5f, M.getFloat("f64"));
    }

    @Test
    void valuesThatDoNotFitAreErrorsNotTruncations() {
        fails(() -> M.getInt("u32.max"), "u32.max", "does not fit an int", "found 4294967295");
        fails(() -> M.getInt("i64.big"), "i64.big", "expected -2147483648..2147483647, found 2147483648");
        fails(() -> M.getInt("u64.small"), "u64.small", "found 1099511627776");
        fails(() -> M.getLong("u64.huge"), "u64.huge", "does not fit a long", "found 18446744073709551615");
        fails(() -> M.getInt("u64.huge"), "u64.huge", "found 18446744073709551615");
        fails(() -> M.getIntArray("u32s.huge"), "u32s.huge", "element 2 does not fit an int", "found 2147483648");
    }

    @Test
    void missingKeys() {
        fails(() -> M.getString("absent"), "absent", "is missing");
        fails(() -> M.getInt("absent"), "absent", "is missing");
        fails(() -> M.getLong("absent"), "absent", "is missing");
        fails(() -> M.getFloat("absent"), "absent", "is missing");
        fails(() -> M.getBoolean("absent"), "absent", "is missing");
        fails(() -> M.getStringArray("absent"), "absent", "is missing");
        fails(() -> M.getIntArray("absent"), "absent", "is missing");
        assertEquals("x", M.getString("absent", "x"));
        assertEquals(3, M.getInt("absent", 3));
        assertEquals(4L, M.getLong("absent", 4L));
        assertEquals(1.5f, M.getFloat("absent", 1.5f));
        assertTrue(M.getBoolean("absent", true));
        assertFalse(M.contains("absent"));
    }

    @Test
    void fallbacksApplyOnlyToMissingKeysNotWrongTypes() {
        assertEquals("llama", M.getString("str", "x"));
        fails(() -> M.getString("u8", "x"), "u8", "expected STRING, found UINT8");
        fails(() -> M.getInt("str", 0), "str", "expected an integer, found STRING");
        fails(() -> M.getBoolean("u8", false), "u8", "expected BOOL, found UINT8");
    }

    @Test
    void wrongTypes() {
        fails(() -> M.getString("strs"), "strs", "expected STRING, found ARRAY of STRING");
        fails(() -> M.getInt("f32"), "f32", "expected an integer, found FLOAT32");
        fails(() -> M.getLong("bool"), "bool", "expected an integer, found BOOL");
        fails(() -> M.getFloat("str"), "str", "expected a number, found STRING");
        fails(() -> M.getBoolean("str"), "str", "expected BOOL, found STRING");
        fails(() -> M.getStringArray("f32s"), "f32s", "expected ARRAY of STRING, found ARRAY of FLOAT32");
        fails(() -> M.getFloatArray("strs"), "strs", "expected ARRAY of FLOAT32, found ARRAY of STRING");
        fails(() -> M.getIntArray("str"), "str", "expected an ARRAY of integers, found STRING");
        fails(() -> M.getIntArray("i64s"), "i64s",
                "expected an ARRAY of 8, 16 or 32-bit integers, found ARRAY of INT64");
    }

    @Test
    void arrays() {
        assertArrayEquals(new String[] {"a", "b"}, M.getStringArray("strs"));
        assertArrayEquals(new float[] {1f, 2f}, M.getFloatArray("f32s"));
        assertArrayEquals(new int[] {255, 1}, M.getIntArray("u8s"));
        assertArrayEquals(new int[] {-1}, M.getIntArray("i8s"));
        assertArrayEquals(new int[] {65535}, M.getIntArray("u16s"));
        assertArrayEquals(new int[] {-1}, M.getIntArray("i16s"));
        assertArrayEquals(new int[] {1, 0x7FFF_FFFF}, M.getIntArray("u32s"));
        int[] ints = M.getIntArray("i32s");
        assertArrayEquals(new int[] {-1, 3}, ints);
        ints[0] = 99;
        assertEquals(-1, M.getIntArray("i32s")[0], "getIntArray returns a copy");
    }

    @Test
    void errorsWithoutAFileNameStillNameTheKey() {
        GgufMetadata m = new GgufMetadata(null, Map.of());
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> m.getInt("llama.block_count"));
        assertEquals("metadata 'llama.block_count' is missing: expected a value, found none", e.getMessage());
    }
}
