package dev.ember.gguf;

import dev.ember.EmberException;

import java.nio.file.Path;

/**
 * A GGUF file that breaks the format: names the file, the field, its offset, and what was expected
 * against what was found, e.g.
 * {@code model.gguf: tensor 'blk.3.ffn_down.weight' data [offset 81920, 4718592 bytes] ends past file size 4194304}.
 */
public final class GgufFormatException extends EmberException {
    private static final long serialVersionUID = 1L;

    private final long offset;

    /**
     * @param file    the file (may be null for in-memory data)
     * @param offset  the byte offset of the offending field, or -1 if none applies
     * @param message what is wrong: field, expected and actual values
     */
    public GgufFormatException(Path file, long offset, String message) {
        super((file != null ? file.getFileName() + ": " : "") + message
                + (offset >= 0 ? " (at offset " + offset + ")" : ""));
        this.offset = offset;
    }

    /** @return the byte offset of the offending field, or -1 */
    public long offset() {
        return offset;
    }
}
