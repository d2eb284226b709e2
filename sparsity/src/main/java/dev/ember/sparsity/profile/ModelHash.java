package dev.ember.sparsity.profile;

import dev.ember.EmberException;
import dev.ember.gguf.GgufFile;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A cheap identity for a GGUF model file, so a sparsity profile can refuse a model it was not
 * calibrated for. Reading all of a multi-GB file would take seconds; this reads at most the header
 * and 2 MiB of tensor data, which any re-quantization, re-conversion or different checkpoint
 * changes (a different header, sizes or first/last weights), in milliseconds.
 *
 * <p>The hash is the lowercase hex SHA-256 of, in this order:
 * <ol>
 *   <li>the file size in bytes, as 8 bytes little-endian;</li>
 *   <li>every byte before the tensor data section ({@link GgufFile#dataOffset()}, or the whole file if
 *       that lies past its end): header, metadata, tensor infos and the padding after them;</li>
 *   <li>the data section (from there to the end of the file): all of it when it is at most 2 MiB,
 *       else its first 1 MiB followed by its last 1 MiB.</li>
 * </ol>
 * A change confined to the middle of the data section (beyond the first and last MiB) is not seen:
 * the price of speed, acceptable for telling models apart rather than checking integrity.
 */
public final class ModelHash {
    /** Bytes hashed at each end of the data section. */
    static final long EDGE_BYTES = 1L << 20;

    private ModelHash() {
    }

    /**
     * @param modelFile a GGUF file
     * @return the 64-character lowercase hex SHA-256 described above
     * @throws EmberException with a one-line message if the file is missing, unreadable or not GGUF
     */
    public static String of(Path modelFile) {
        long dataOffset;
        try (GgufFile gguf = GgufFile.open(modelFile)) { // parses and validates the header only
            dataOffset = gguf.dataOffset();
        } catch (UncheckedIOException | EmberException e) {
            throw new EmberException("cannot hash model " + modelFile + ": " + e.getMessage(), e);
        }
        try (FileChannel ch = FileChannel.open(modelFile, StandardOpenOption.READ)) {
            MessageDigest sha = sha256();
            long size = ch.size();
            sha.update(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, size));
            long dataStart = Math.min(dataOffset, size);
            update(sha, ch, 0, dataStart);
            long dataSize = size - dataStart;
            if (dataSize <= 2 * EDGE_BYTES) {
                update(sha, ch, dataStart, dataSize);
            } else {
                update(sha, ch, dataStart, EDGE_BYTES);
                update(sha, ch, size - EDGE_BYTES, EDGE_BYTES);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new EmberException("cannot hash model " + modelFile + ": " + e.getMessage(), e);
        }
    }

    /** Feeds {@code length} bytes of the file from {@code position} to the digest. */
    private static void update(MessageDigest sha, FileChannel ch, long position, long length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, EDGE_BYTES));
        long pos = position;
        long end = position + length;
        while (pos < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
            while (buf.hasRemaining()) {
                if (ch.read(buf, pos + buf.position()) < 0) {
                    throw new EOFException("file shrank while being hashed, at offset " + (pos + buf.position()));
                }
            }
            sha.update(buf.flip());
            pos += buf.limit();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
