package dev.ember.gguf;

/**
 * The GGUF metadata value types, with their on-disk ids. Fixed-size types know their width; the
 * minimum encoded size of STRING (its u64 length) and ARRAY (element type u32 + count u64) bounds
 * how many elements a header can possibly hold, which the reader checks before allocating.
 */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int minEncodedSize;

    GgufValueType(int id, int minEncodedSize) {
        this.id = id;
        this.minEncodedSize = minEncodedSize;
    }

    /** @return the id stored in the file */
    public int id() {
        return id;
    }

    /** @return the encoded size for fixed-size types, the smallest possible for STRING and ARRAY */
    public int minEncodedSize() {
        return minEncodedSize;
    }

    /** @return true for UINT8..UINT64 and INT8..INT64 */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** @return the type with this id, or null if none */
    public static GgufValueType fromId(int id) {
        // ids equal ordinals by construction
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
