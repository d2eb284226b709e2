package dev.ember.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A growable little-endian buffer that encodes a GGUF header for {@link GgufWriter}: the mirror of
 * {@link GgufReader}. Arrays of fixed-size elements are written in bulk, since a vocabulary's
 * scores and token types hold 10^5 elements each.
 */
final class GgufEncoder {
    private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    private void ensure(long n) {
        if (buf.remaining() < n) {
            long needed = buf.position() + n;
            if (needed > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a GGUF header over 2 GiB: " + needed + " bytes");
            }
            ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8,
                    Math.max(2L * buf.capacity(), needed))).order(ByteOrder.LITTLE_ENDIAN);
            bigger.put(buf.flip());
            buf = bigger;
        }
    }

    void u8(byte v) {
        ensure(1);
        buf.put(v);
    }

    void u16(short v) {
        ensure(2);
        buf.putShort(v);
    }

    void u32(int v) {
        ensure(4);
        buf.putInt(v);
    }

    void u64(long v) {
        ensure(8);
        buf.putLong(v);
    }

    void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        ensure(b.length);
        buf.put(b);
    }

    /** The value's bytes, without its type id (the caller writes that for a key/value). */
    void value(GgufValue v) {
        Object o = v.value();
        switch (v.type()) {
            case UINT8, INT8 -> u8((Byte) o);
            case UINT16, INT16 -> u16((Short) o);
            case UINT32, INT32 -> u32((Integer) o);
            case UINT64, INT64 -> u64((Long) o);
            case FLOAT32 -> u32(Float.floatToRawIntBits((Float) o));
            case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) o));
            case BOOL -> u8((byte) ((Boolean) o ? 1 : 0));
            case STRING -> string((String) o);
            case ARRAY -> array(v);
        }
    }

    private void array(GgufValue v) {
        GgufValueType et = v.elementType();
        int n = v.length();
        u32(et.id());
        u64(n);
        ensure((long) n * et.minEncodedSize());
        switch (v.value()) {
            case byte[] a -> buf.put(a);
            // the typed views write in the buffer's order, from its position, without moving it
            case short[] a -> {
                buf.asShortBuffer().put(a);
                skip(n, et);
            }
            case int[] a -> {
                buf.asIntBuffer().put(a);
                skip(n, et);
            }
            case long[] a -> {
                buf.asLongBuffer().put(a);
                skip(n, et);
            }
            case float[] a -> {
                buf.asFloatBuffer().put(a);
                skip(n, et);
            }
            case double[] a -> {
                buf.asDoubleBuffer().put(a);
                skip(n, et);
            }
            case boolean[] a -> {
                for (boolean b : a) {
                    buf.put((byte) (b ? 1 : 0));
                }
            }
            case String[] a -> {
                for (String s : a) {
                    string(s);
                }
            }
            case GgufValue[] a -> {
                for (GgufValue e : a) {
                    array(e);
                }
            }
            default -> throw new IllegalStateException("unexpected array " + v.value().getClass());
        }
    }

    /** Moves past {@code n} fixed-size elements (ensure() has checked they fit). */
    private void skip(int n, GgufValueType et) {
        buf.position(buf.position() + n * et.minEncodedSize());
    }

    byte[] toByteArray() {
        byte[] b = new byte[buf.position()];
        buf.flip().get(b);
        return b;
    }
}
