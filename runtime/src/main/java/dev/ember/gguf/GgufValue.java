package dev.ember.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One typed metadata value, as stored. Scalars are boxed Java values of the same width (UINT8 and
 * INT8 as {@link Byte}, UINT16/INT16 as {@link Short}, UINT32/INT32 as {@link Integer},
 * UINT64/INT64 as {@link Long}); unsigned types keep their bits and are widened by the getters.
 * Arrays hold a primitive array of the element width ({@code byte[]}, {@code short[]},
 * {@code int[]}, {@code long[]}, {@code float[]}, {@code double[]}, {@code boolean[]}),
 * {@code String[]}, or for nested arrays {@code GgufValue[]}; keeping the exact types makes a
 * read-then-write round trip byte-identical.
 *
 * @param type        the value type
 * @param elementType the element type for ARRAY, else null
 * @param value       the value as described above
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    /** Checks that the Java value matches the declared type. */
    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        Class<?> expected = javaType(type == GgufValueType.ARRAY ? Objects.requireNonNull(elementType) : type,
                type == GgufValueType.ARRAY);
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException(type + (elementType != null ? " of " + elementType : "")
                    + " needs a " + expected.getSimpleName() + ", got " + value.getClass().getSimpleName());
        }
        if (type != GgufValueType.ARRAY && elementType != null) {
            throw new IllegalArgumentException("only ARRAY values have an element type");
        }
        // The writer trusts these: a null or a non-array inside would make it write a corrupt file.
        if (value instanceof Object[] elements) {
            for (int i = 0; i < elements.length; i++) {
                if (elements[i] == null) {
                    throw new IllegalArgumentException("ARRAY of " + elementType + ": element " + i + " is null");
                }
                if (elements[i] instanceof GgufValue v && v.type != GgufValueType.ARRAY) {
                    throw new IllegalArgumentException("ARRAY of ARRAY: element " + i + " is a " + v.type);
                }
            }
        }
    }

    private static Class<?> javaType(GgufValueType t, boolean array) {
        return switch (t) {
            case UINT8, INT8 -> array ? byte[].class : Byte.class;
            case UINT16, INT16 -> array ? short[].class : Short.class;
            case UINT32, INT32 -> array ? int[].class : Integer.class;
            case UINT64, INT64 -> array ? long[].class : Long.class;
            case FLOAT32 -> array ? float[].class : Float.class;
            case FLOAT64 -> array ? double[].class : Double.class;
            case BOOL -> array ? boolean[].class : Boolean.class;
            case STRING -> array ? String[].class : String.class;
            case ARRAY -> array ? GgufValue[].class : Object.class;
        };
    }

    /** @return a UINT8 value (0..255) */
    public static GgufValue uint8(int v) {
        return new GgufValue(GgufValueType.UINT8, null, (byte) checkRange(v, 0, 0xFF));
    }

    /** @return an INT8 value */
    public static GgufValue int8(int v) {
        return new GgufValue(GgufValueType.INT8, null, (byte) checkRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE));
    }

    /** @return a UINT16 value (0..65535) */
    public static GgufValue uint16(int v) {
        return new GgufValue(GgufValueType.UINT16, null, (short) checkRange(v, 0, 0xFFFF));
    }

    /** @return an INT16 value */
    public static GgufValue int16(int v) {
        return new GgufValue(GgufValueType.INT16, null, (short) checkRange(v, Short.MIN_VALUE, Short.MAX_VALUE));
    }

    /** @return a UINT32 value (0..2^32-1) */
    public static GgufValue uint32(long v) {
        return new GgufValue(GgufValueType.UINT32, null, (int) checkRange(v, 0, 0xFFFF_FFFFL));
    }

    /** @return an INT32 value */
    public static GgufValue int32(int v) {
        return new GgufValue(GgufValueType.INT32, null, v);
    }

    /** @return a UINT64 value; the bits of {@code v} are taken as unsigned */
    public static GgufValue uint64(long v) {
        return new GgufValue(GgufValueType.UINT64, null, v);
    }

    /** @return an INT64 value */
    public static GgufValue int64(long v) {
        return new GgufValue(GgufValueType.INT64, null, v);
    }

    /** @return a FLOAT32 value */
    public static GgufValue float32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, null, v);
    }

    /** @return a FLOAT64 value */
    public static GgufValue float64(double v) {
        return new GgufValue(GgufValueType.FLOAT64, null, v);
    }

    /** @return a BOOL value */
    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, null, v);
    }

    /** @return a STRING value */
    public static GgufValue string(String v) {
        return new GgufValue(GgufValueType.STRING, null, v);
    }

    /** @return an ARRAY of STRING */
    public static GgufValue stringArray(String... v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, v);
    }

    /** @return an ARRAY of FLOAT32 */
    public static GgufValue float32Array(float... v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, v);
    }

    /** @return an ARRAY of INT32 */
    public static GgufValue int32Array(int... v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.INT32, v);
    }

    /**
     * @param elementType the element type
     * @param array       a Java array matching it (see the class comment)
     * @return an ARRAY value
     */
    public static GgufValue array(GgufValueType elementType, Object array) {
        return new GgufValue(GgufValueType.ARRAY, elementType, array);
    }

    private static long checkRange(long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(v + " is outside " + min + ".." + max);
        }
        return v;
    }

    /** @return the number of elements of an ARRAY value */
    public int length() {
        if (type != GgufValueType.ARRAY) {
            throw new IllegalStateException(type + " is not an array");
        }
        return java.lang.reflect.Array.getLength(value);
    }

    /**
     * The value as a long if it is an integer type, unsigned types widened without sign.
     *
     * @return the value, or null if this is not an integer scalar
     */
    public Long asLong() {
        return switch (type) {
            case UINT8 -> (long) Byte.toUnsignedInt((Byte) value);
            case INT8 -> (long) (Byte) value;
            case UINT16 -> (long) Short.toUnsignedInt((Short) value);
            case INT16 -> (long) (Short) value;
            case UINT32 -> Integer.toUnsignedLong((Integer) value);
            case INT32 -> (long) (Integer) value;
            case UINT64, INT64 -> (Long) value;
            default -> null;
        };
    }

    /** @return a short, human-readable rendering; long arrays are summarized */
    public String display(int maxElements) {
        if (type == GgufValueType.UINT64) {
            return Long.toUnsignedString((Long) value);
        }
        if (type == GgufValueType.STRING) {
            return quote((String) value);
        }
        if (type != GgufValueType.ARRAY) {
            Long l = asLong();
            return l != null ? l.toString() : value.toString();
        }
        int n = length();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, maxElements); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(element(i).display(maxElements));
        }
        if (n > maxElements) {
            sb.append(", ... (").append(n).append(" ").append(elementType).append(")");
        }
        return sb.append(']').toString();
    }

    /** @return element {@code i} of an ARRAY value as a scalar (or nested array) value */
    public GgufValue element(int i) {
        Object v = java.lang.reflect.Array.get(value, i);
        return elementType == GgufValueType.ARRAY ? (GgufValue) v : new GgufValue(elementType, null, v);
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", c));
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && type == v.type && elementType == v.elementType
                && Objects.deepEquals(value, v.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType, Arrays.deepHashCode(new Object[] {value}));
    }

    @Override
    public String toString() {
        return type + (elementType != null ? "<" + elementType + ">" : "") + " " + display(8);
    }
}
