package dev.ember.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.IntFunction;

/**
 * A bounded little-endian cursor over the header region of a GGUF file. Every read checks the
 * remaining bytes first and fails with a {@link GgufFormatException} naming the field and offset,
 * so a truncated or corrupt header can never read outside the mapping, and no count is trusted
 * before the bytes it claims are known to be in the file.
 *
 * <p>Opening a vocabulary decodes 10^5 strings, mostly before the JIT has compiled this class, so
 * the per-string path is kept short: scalars are read through a {@link ByteBuffer} view (fewer
 * layers than a {@code MemorySegment} var handle until C2 inlines them), field names are a base
 * name plus an index that is only joined when an error is thrown, and strings are decoded by the
 * JDK's String constructor, with a strict decoder consulted only when it had to replace bytes.
 * The view covers the first 2 GiB: a header is KBs to tens of MBs, so no real file notices.
 */
final class GgufReader {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Nested arrays deeper than this are refused (the format allows nesting; nobody needs more). */
    static final int MAX_ARRAY_DEPTH = 8;
    /** The largest element count a Java array can take. */
    static final long MAX_COUNT = Integer.MAX_VALUE - 8;

    /** The most header bytes a reader sees: what one ByteBuffer can view. */
    static final long MAX_HEADER_BYTES = Integer.MAX_VALUE - 8;

    private final Path file;
    private final MemorySegment segment;
    private final ByteBuffer buf;
    private final long size;
    private long pos;

    // Reused for every string of the header, so decoding allocates only the String itself.
    private byte[] bytes = new byte[256];
    private CharBuffer chars = CharBuffer.allocate(256);
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    GgufReader(Path file, MemorySegment segment) {
        this.file = file;
        this.segment = segment;
        this.buf = segment.asSlice(0, Math.min(segment.byteSize(), MAX_HEADER_BYTES)).asByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        this.size = buf.limit();
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

    /** @return {@code field}, or {@code field[index]} for an array element */
    static String name(String field, long index) {
        return index < 0 ? field : field + "[" + index + "]";
    }

    private void need(long n, String field, long index) {
        if (n > size - pos) {
            throw truncated(n, name(field, index));
        }
    }

    private GgufFormatException truncated(long n, String fullName) {
        return error(pos, fullName + ": needs " + n + " bytes, found " + (size - pos)
                + (size < segment.byteSize() ? " before the end of the first 2 GiB, where the header must lie"
                : " before the end of the file"));
    }

    byte u8(String field) {
        need(1, field, -1);
        return buf.get((int) pos++);
    }

    short u16(String field) {
        need(2, field, -1);
        short v = buf.getShort((int) pos);
        pos += 2;
        return v;
    }

    int u32(String field) {
        need(4, field, -1);
        int v = buf.getInt((int) pos);
        pos += 4;
        return v;
    }

    long u64(String field) {
        return u64(field, -1);
    }

    private long u64(String field, long index) {
        need(8, field, index);
        long v = buf.getLong((int) pos);
        pos += 8;
        return v;
    }

    float f32(String field) {
        need(4, field, -1);
        float v = buf.getFloat((int) pos);
        pos += 4;
        return v;
    }

    double f64(String field) {
        need(8, field, -1);
        double v = buf.getDouble((int) pos);
        pos += 8;
        return v;
    }

    /**
     * Reads a u64 count and checks it against the bytes left, each element taking at least
     * {@code minElementSize} bytes, before anything is allocated for it.
     */
    int count(String field, long index, String what, int minElementSize) {
        long at = pos;
        if (8 > size - pos) {
            throw truncated(8, name(field, index) + " " + what);
        }
        long n = u64(field, index);
        long left = remaining();
        // n < 0 is a u64 above 2^63; dividing rather than multiplying cannot overflow
        if (n < 0 || n > MAX_COUNT || n > left / minElementSize) {
            throw error(at, name(field, index) + " " + what + ": expected at most " + Math.min(MAX_COUNT,
                    left / minElementSize) + " (" + left + " bytes left, " + minElementSize
                    + " or more each), found " + Long.toUnsignedString(n));
        }
        return (int) n;
    }

    String string(String field) {
        return string(field, -1);
    }

    private String string(String field, long index) {
        long at = pos;
        int len = count(field, index, "length", 1);
        if (len == 0) {
            return "";
        }
        if (bytes.length < len) {
            bytes = allocate(byte[]::new, Math.max(len, bytes.length * 2), at, field, index);
        }
        buf.get((int) pos, bytes, 0, len);
        pos += len;
        // The JDK decoder is the fastest there is, but replaces malformed bytes with U+FFFD rather
        // than failing; a string without U+FFFD therefore was valid UTF-8, and only one with it
        // (rare: corruption, or the character itself) needs the strict decoder to tell which.
        String s = new String(bytes, 0, len, StandardCharsets.UTF_8);
        return s.indexOf('\uFFFD') < 0 ? s : decodeUtf8(len, at, field, index);
    }

    /** Strict decoding: a header string that is not UTF-8 is corruption, not text to guess at. */
    private String decodeUtf8(int len, long at, String field, long index) {
        if (chars.capacity() < len) {
            chars = CharBuffer.allocate(Math.max(len, chars.capacity() * 2)); // UTF-16 never needs more
        }
        chars.clear();
        utf8.reset();
        CoderResult r = utf8.decode(ByteBuffer.wrap(bytes, 0, len), chars, true);
        if (!r.isError()) {
            r = utf8.flush(chars);
        }
        if (r.isError() || r.isOverflow()) {
            throw error(at, name(field, index) + ": expected " + len + " bytes of UTF-8, found invalid bytes");
        }
        return chars.flip().toString();
    }

    GgufValueType valueType(String field) {
        long at = pos;
        int id = u32(field);
        GgufValueType t = GgufValueType.fromId(id);
        if (t == null) {
            throw error(at, field + ": expected a value type id 0.." + (GgufValueType.values().length - 1)
                    + ", found " + Integer.toUnsignedString(id));
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
            case BOOL -> new GgufValue(type, null, bool(field, -1));
            case STRING -> new GgufValue(type, null, string(field));
            case ARRAY -> array(field, depth);
        };
    }

    private boolean bool(String field, long index) {
        need(1, field, index);
        long at = pos;
        byte b = buf.get((int) pos++);
        if (b != 0 && b != 1) {
            throw error(at, name(field, index) + ": expected BOOL 0 or 1, found " + Byte.toUnsignedInt(b));
        }
        return b == 1;
    }

    /**
     * A corrupt count can pass the bytes-left check in a multi-GB file and still ask for more heap
     * than there is; that is a bad file, not a reason to take the JVM down with it.
     */
    private <T> T allocate(IntFunction<T> allocator, int n, long at, String field, long index) {
        try {
            return allocator.apply(n);
        } catch (OutOfMemoryError e) {
            throw error(at, name(field, index) + ": " + n + " elements do not fit the Java heap");
        }
    }

    private GgufValue array(String field, int depth) {
        long at = pos;
        if (depth >= MAX_ARRAY_DEPTH) {
            throw error(at, field + ": expected arrays nested at most " + MAX_ARRAY_DEPTH + " deep, found deeper");
        }
        GgufValueType et = valueType(field + " element type");
        int n = count(field, -1, "element count", et.minEncodedSize());
        Object values = switch (et) {
            case UINT8, INT8 -> {
                byte[] a = allocate(byte[]::new, n, at, field, -1);
                MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, pos, a, 0, n);
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = allocate(short[]::new, n, at, field, -1);
                MemorySegment.copy(segment, I16, pos, a, 0, n);
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = allocate(int[]::new, n, at, field, -1);
                MemorySegment.copy(segment, I32, pos, a, 0, n);
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = allocate(long[]::new, n, at, field, -1);
                MemorySegment.copy(segment, I64, pos, a, 0, n);
                yield a;
            }
            case FLOAT32 -> {
                float[] a = allocate(float[]::new, n, at, field, -1);
                MemorySegment.copy(segment, F32, pos, a, 0, n);
                yield a;
            }
            case FLOAT64 -> {
                double[] a = allocate(double[]::new, n, at, field, -1);
                MemorySegment.copy(segment, F64, pos, a, 0, n);
                yield a;
            }
            case BOOL -> {
                boolean[] a = allocate(boolean[]::new, n, at, field, -1);
                for (int i = 0; i < n; i++) {
                    a[i] = bool(field, i);
                }
                yield a;
            }
            case STRING -> {
                String[] a = allocate(String[]::new, n, at, field, -1);
                for (int i = 0; i < n; i++) {
                    a[i] = string(field, i);
                }
                yield a;
            }
            case ARRAY -> {
                GgufValue[] a = allocate(GgufValue[]::new, n, at, field, -1);
                for (int i = 0; i < n; i++) {
                    a[i] = array(name(field, i), depth + 1); // nested arrays are rare: name eagerly
                }
                yield a;
            }
        };
        if (et != GgufValueType.BOOL && et != GgufValueType.STRING && et != GgufValueType.ARRAY) {
            pos += (long) n * et.minEncodedSize(); // the bulk copies above; count() checked the bytes
        }
        return new GgufValue(GgufValueType.ARRAY, et, values);
    }
}
