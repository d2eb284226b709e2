package dev.ember.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A named, typed view of tensor data: a slice of the mapped file, never a heap copy. The slice is
 * exactly {@code type.byteSize(shape.elementCount())} bytes, checked when the tensor is made, so
 * kernels may read any row without further bounds checks.
 *
 * @param name  the GGUF tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type  the block format of the data
 * @param shape dimensions in ggml order (row length first)
 * @param data  the bytes; {@code byteSize()} equals the type's size for the shape
 */
public record Tensor(String name, GgmlType type, Shape shape, MemorySegment data) {
    /** Checks that the data is exactly as long as the type and shape say. */
    public Tensor {
        if (shape.rowLength() % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + shape.rowLength()
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        long expected = type.byteSize(shape.elementCount());
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize()
                    + " bytes of data, expected " + expected + " for " + type + " " + shape);
        }
    }

    /** @return bytes of one row (ne0 elements) */
    public long rowBytes() {
        return type.byteSize(shape.rowLength());
    }

    /** @return the number of rows (product of every dimension but ne0) */
    public long rows() {
        return shape.rows();
    }

    /**
     * @return rows {@code [from, from + count)} as a tensor of their own (a view of the same bytes), named
     *         {@code name}: how a fused matrix (phi3's {@code attn_qkv}, gate+up in {@code ffn_up}) is split
     */
    public Tensor rowSlice(String name, long from, long count) {
        if (from < 0 || count <= 0 || from + count > rows() || shape.dims().length != 2) {
            throw new IllegalArgumentException("tensor '" + this.name + "' " + shape + ": no rows [" + from + ", "
                    + (from + count) + ")");
        }
        return new Tensor(name, type, new Shape(shape.rowLength(), count),
                data.asSlice(from * rowBytes(), count * rowBytes()));
    }

    /** @return the bytes of row {@code r} as a slice */
    public MemorySegment row(long r) {
        return data.asSlice(r * rowBytes(), rowBytes());
    }
}
