package dev.ember.tensor;

/**
 * The ggml tensor types: every type id of the GGUF/ggml spec, so any file can be inspected, with
 * the block geometry that turns an element count into bytes. This is the one type table;
 * dequantization lives in one class per format in {@code dev.ember.tensor.quant}.
 *
 * <p>Sizes follow ggml's {@code ggml-common.h} block structs ({@code block_q4_0} etc.); a unit
 * test checks them the way ggml's {@code static_assert}s do. Ids 4, 5 (Q4_2, Q4_3), 31-33 and
 * 36-38 (the removed repacked Q4_0_x_x and IQ4_NL_x_x) are gone from ggml and rejected.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 2 + 16),
    Q4_1(3, 32, 2 + 2 + 16),
    Q5_0(6, 32, 2 + 4 + 16),
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    Q8_0(8, 32, 2 + 32),
    Q8_1(9, 32, 2 + 2 + 32),
    Q2_K(10, 256, 16 + 64 + 2 + 2),
    Q3_K(11, 256, 32 + 64 + 12 + 2),
    Q4_K(12, 256, 2 + 2 + 12 + 128),
    Q5_K(13, 256, 2 + 2 + 12 + 32 + 128),
    Q6_K(14, 256, 128 + 64 + 16 + 2),
    Q8_K(15, 256, 4 + 256 + 16 * 2),
    IQ2_XXS(16, 256, 2 + 64),
    IQ2_XS(17, 256, 2 + 64 + 8),
    IQ3_XXS(18, 256, 2 + 96),
    IQ1_S(19, 256, 2 + 32 + 16),
    IQ4_NL(20, 32, 2 + 16),
    IQ3_S(21, 256, 2 + 64 + 8 + 32 + 4),
    IQ2_S(22, 256, 2 + 64 + 8 + 8),
    IQ4_XS(23, 256, 2 + 2 + 4 + 128),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 32 + 16 + 8),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 48 + 4 + 2),
    TQ2_0(35, 256, 64 + 2),
    MXFP4(39, 32, 1 + 16);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** @return the type id stored in GGUF tensor infos */
    public int id() {
        return id;
    }

    /** @return elements per block (1 for plain scalar types) */
    public int blockSize() {
        return blockSize;
    }

    /** @return bytes of one block */
    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** @return true for types whose blocks carry scales (everything but plain floats and ints) */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * Bytes taken by {@code elements} values of this type.
     *
     * @throws IllegalArgumentException if {@code elements} is not a whole number of blocks
     * @throws ArithmeticException on overflow
     */
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    name() + ": " + elements + " elements is not a multiple of the block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) bytesPerBlock);
    }

    /** @return the type with this GGUF id, or null if the id is unknown or retired */
    public static GgmlType fromId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
