package dev.ember.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A bounded little-endian cursor over the header region of a GGUF file. Every read checks the
 * remaining bytes first and fails with a {@link GgufFormatException} naming the field and offset,
 * so a truncated or corrupt header can never read outside the mapping or allocate more than the
 * file could hold.
 */
final class GgufReader {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Nested arrays deeper than this are refused (the format allows nesting; nobody needs more). */
    static final int MAX_ARRAY_DEPTH = 8;

    private final Path file;
    private final MemorySegment segment;
    private final long size;
    private long pos;

    GgufReader(Path file, MemorySegment segment) {
        this.file = file;
        this.segment = segment;
        this.size = segment.byteSize();
    }

    long position() {
        return pos;
    }

    long remaining() {
        return size - pos;
    }

    GgufFormatException error(long at, String message) {
        return new GgufFormatException(file, at, message);
    }

    private void need(long n, String field) {
        if (n > size - pos) {
            throw error(pos, field + ": needs " + n + " bytes but the file ends after " + (size - pos));
        }
    }

    byte u8(String field) {
        need(1, field);
        return segment.get(ValueLayout.JAVA_BYTE, pos++);
    }

    short u16(String field) {
        need(2, field);
        short v = segment.get(I16, pos);
        pos += 2;
        return v;
    }

    int u32(String field) {
        need(4, field);
        int v = segment.get(I32, pos);
        pos += 4;
        return v;
    }

    long u64(String field) {
        need(8, field);
        long v = segment.get(I64, pos);
        pos += 8;
        return v;
    }

    float f32(String field) {
        need(4, field);
        float v = segment.get(F32, pos);
        pos += 4;
        return v;
    }

    double f64(String field) {
        need(8, field);
        double v = segment.get(F64, pos);
        pos += 8;
        return v;
    }

    /** A count that must fit the bytes left, each element taking at least {@code minElementSize}. */
    int count(String field, int minElementSize) {
        long at = pos;
        long n = u64(field);
        if (n < 0 || n > Integer.MAX_VALUE - 8 || n * minElementSize > remaining()) {
            throw error(at, field + " = " + Long.toUnsignedString(n) + " cannot fit the "
                    + remaining() + " bytes left in the file");
        }
        return (int) n;
    }

    String string(String field) {
        long at = pos;
        int len = count(field + " length", 1);
        byte[] bytes = new byte[len];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, pos, bytes, 0, len);
        pos += len;
        try {
            // Strict decoding: a header string that is not UTF-8 is corruption, not text to guess at.
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw error(at, field + " is not valid UTF-8");
        }
    }

    GgufValueType valueType(String field) {
        long at = pos;
        int id = u32(field);
        GgufValueType t = GgufValueType.fromId(id);
        if (t == null) {
            throw error(at, field + ": unknown value type id " + Integer.toUnsignedString(id)
                    + ", expected 0.." + (GgufValueType.values().length - 1));
        }
        return t;
    }

    GgufValue value(GgufValueType type, String field, int depth) {
        return switch (type) {
            case UINT8, INT8 -> new GgufValue(type, null, u8(field));
            case UINT16, INT16 -> new GgufValue(type, null, u16(field));
            case UINT32, INT32 -> new GgufValue(type, null, u32(field));
            case UINT64, INT64 -> new GgufValue(type, null, u64(field));
            case FLOAT32 -> new GgufValue(type, null, f32(field));
            case FLOAT64 -> new GgufValue(type, null, f64(field));
            case BOOL -> new GgufValue(type, null, bool(field));
            case STRING -> new GgufValue(type, null, string(field));
            case ARRAY -> array(field, depth);
        };
    }

    private boolean bool(String field) {
        long at = pos;
        byte b = u8(field);
        if (b != 0 && b != 1) {
            throw error(at, field + ": BOOL must be 0 or 1, found " + Byte.toUnsignedInt(b));
        }
        return b == 1;
    }

    private GgufValue array(String field, int depth) {
        long at = pos;
        if (depth >= MAX_ARRAY_DEPTH) {
            throw error(at, field + ": arrays nested deeper than " + MAX_ARRAY_DEPTH);
        }
        GgufValueType et = valueType(field + " element type");
        int n = count(field + " element count", et.minEncodedSize());
        Object values = switch (et) {
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, pos, a, 0, n);
                pos += n;
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                MemorySegment.copy(segment, I16, pos, a, 0, n);
                pos += 2L * n;
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[n];
                MemorySegment.copy(segment, I32, pos, a, 0, n);
                pos += 4L * n;
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                MemorySegment.copy(segment, I64, pos, a, 0, n);
                pos += 8L * n;
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                MemorySegment.copy(segment, F32, pos, a, 0, n);
                pos += 4L * n;
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                MemorySegment.copy(segment, F64, pos, a, 0, n);
                pos += 8L * n;
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = bool(field + "[" + i + "]");
                }
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = string(field + "[" + i + "]");
                }
                yield a;
            }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[n];
                for (int i = 0; i < n; i++) {
                    a[i] = array(field + "[" + i + "]", depth + 1);
                }
                yield a;
            }
        };
        return new GgufValue(GgufValueType.ARRAY, et, values);
    }
}
