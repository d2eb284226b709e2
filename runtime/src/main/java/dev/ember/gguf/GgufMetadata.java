package dev.ember.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, with typed getters that name the key and
 * the file in every error. Integer getters accept any integer type that holds the value (GGUF
 * writers disagree on UINT32 vs INT32 for the same key), never a silent truncation.
 */
public final class GgufMetadata {
    private final Path file;
    private final Map<String, GgufValue> values;

    /**
     * @param file   the file the values came from, for error messages (may be null)
     * @param values the values in file order; copied
     */
    public GgufMetadata(Path file, Map<String, GgufValue> values) {
        this.file = file;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** @return every key/value, in file order (unmodifiable) */
    public Map<String, GgufValue> asMap() {
        return values;
    }

    /** @return the keys in file order */
    public Set<String> keys() {
        return values.keySet();
    }

    /** @return the number of entries */
    public int size() {
        return values.size();
    }

    /** @return true if the key is present */
    public boolean contains(String key) {
        return values.containsKey(key);
    }

    /** @return the raw value, or null if absent */
    public GgufValue get(String key) {
        return values.get(key);
    }

    private GgufValue require(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            throw error(key, "is missing: expected a value, found none");
        }
        return v;
    }

    private GgufFormatException error(String key, String what) {
        return new GgufFormatException(file, -1, "metadata '" + key + "' " + what);
    }

    private GgufFormatException wrongType(String key, GgufValue v, String expected) {
        return error(key, "has the wrong type: expected " + expected + ", found " + v.type()
                + (v.elementType() != null ? " of " + v.elementType() : ""));
    }

    /** @return the string value of {@code key}; an error if absent or not a string */
    public String getString(String key) {
        GgufValue v = require(key);
        if (v.type() != GgufValueType.STRING) {
            throw wrongType(key, v, "STRING");
        }
        return (String) v.value();
    }

    /** @return the string value of {@code key}, or {@code fallback} if absent */
    public String getString(String key, String fallback) {
        return contains(key) ? getString(key) : fallback;
    }

    /** @return an integer value as a long (unsigned types widened); an error if absent or not an integer */
    public long getLong(String key) {
        GgufValue v = require(key);
        Long l = v.asLong();
        if (l == null) {
            throw wrongType(key, v, "an integer");
        }
        if (v.type() == GgufValueType.UINT64 && l < 0) {
            throw error(key, "does not fit a long: expected at most " + Long.MAX_VALUE + ", found "
                    + Long.toUnsignedString(l));
        }
        return l;
    }

    /** @return an integer value that must fit an int; an error if absent, not an integer or too large */
    public int getInt(String key) {
        long l = getLong(key);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw error(key, "does not fit an int: expected " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE
                    + ", found " + l);
        }
        return (int) l;
    }

    /** @return the long value of {@code key}, or {@code fallback} if absent */
    public long getLong(String key, long fallback) {
        return contains(key) ? getLong(key) : fallback;
    }

    /** @return the int value of {@code key}, or {@code fallback} if absent */
    public int getInt(String key, int fallback) {
        return contains(key) ? getInt(key) : fallback;
    }

    /** @return a FLOAT32 or FLOAT64 value (integers accepted) as a float */
    public float getFloat(String key) {
        GgufValue v = require(key);
        return switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (float) (double) (Double) v.value();
            case UINT64 -> unsignedToFloat((Long) v.value());
            default -> {
                Long l = v.asLong();
                if (l == null) {
                    throw wrongType(key, v, "a number");
                }
                yield (float) l;
            }
        };
    }

    /** @return the float value of {@code key}, or {@code fallback} if absent */
    public float getFloat(String key, float fallback) {
        return contains(key) ? getFloat(key) : fallback;
    }

    /** @return a BOOL value; an error if absent or not a bool */
    public boolean getBoolean(String key) {
        GgufValue v = require(key);
        if (v.type() != GgufValueType.BOOL) {
            throw wrongType(key, v, "BOOL");
        }
        return (Boolean) v.value();
    }

    /** @return the bool value of {@code key}, or {@code fallback} if absent */
    public boolean getBoolean(String key, boolean fallback) {
        return contains(key) ? getBoolean(key) : fallback;
    }

    /** @return an ARRAY of STRING (the stored array: do not modify) */
    public String[] getStringArray(String key) {
        return (String[]) requireArray(key, GgufValueType.STRING).value();
    }

    /** @return an ARRAY of FLOAT32 (the stored array: do not modify) */
    public float[] getFloatArray(String key) {
        return (float[]) requireArray(key, GgufValueType.FLOAT32).value();
    }

    private static float unsignedToFloat(long bits) {
        // the top bit is 2^63, not a sign: halve (keeping the low bit for rounding), convert, double
        return bits >= 0 ? (float) bits : (float) ((bits >>> 1) | (bits & 1)) * 2f;
    }

    /**
     * @return an ARRAY of any 8/16/32-bit integer type as a new int array, widened without sign for
     *         unsigned types; an error naming the key and index if a UINT32 element exceeds int
     */
    public int[] getIntArray(String key) {
        GgufValue v = require(key);
        if (v.type() != GgufValueType.ARRAY) {
            throw wrongType(key, v, "an ARRAY of integers");
        }
        Object a = v.value();
        return switch (v.elementType()) {
            case INT32 -> ((int[]) a).clone();
            case UINT32 -> checkedUint32((int[]) a, key);
            case INT16 -> widen((short[]) a, false);
            case UINT16 -> widen((short[]) a, true);
            case INT8 -> widen((byte[]) a, false);
            case UINT8 -> widen((byte[]) a, true);
            default -> throw wrongType(key, v, "an ARRAY of 8, 16 or 32-bit integers");
        };
    }

    private int[] checkedUint32(int[] a, String key) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] < 0) { // above 2^31 - 1 as unsigned
                throw error(key, "element " + i + " does not fit an int: expected at most " + Integer.MAX_VALUE
                        + ", found " + Integer.toUnsignedString(a[i]));
            }
        }
        return a.clone();
    }

    private static int[] widen(short[] a, boolean unsigned) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = unsigned ? Short.toUnsignedInt(a[i]) : a[i];
        }
        return r;
    }

    private static int[] widen(byte[] a, boolean unsigned) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = unsigned ? Byte.toUnsignedInt(a[i]) : a[i];
        }
        return r;
    }

    private GgufValue requireArray(String key, GgufValueType elementType) {
        GgufValue v = require(key);
        if (v.type() != GgufValueType.ARRAY || v.elementType() != elementType) {
            throw wrongType(key, v, "ARRAY of " + elementType);
        }
        return v;
    }
}
