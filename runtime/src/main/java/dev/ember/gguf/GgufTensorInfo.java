package dev.ember.gguf;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;

/**
 * A tensor as the GGUF header describes it.
 *
 * @param name   tensor name
 * @param shape  dimensions, ggml order
 * @param type   block format
 * @param offset byte offset of the data relative to the start of the data section
 */
public record GgufTensorInfo(String name, Shape shape, GgmlType type, long offset) {
    /** @return bytes of data the tensor occupies */
    public long byteSize() {
        return type.byteSize(shape.elementCount());
    }
}
