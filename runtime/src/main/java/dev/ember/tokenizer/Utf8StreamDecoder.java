package dev.ember.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token bytes into text without ever splitting a character: a token may end in
 * the middle of a UTF-8 sequence (byte-fallback tokens carry one byte each), so the incomplete tail
 * is held back until the bytes that complete it arrive.
 *
 * <pre>
 * Utf8StreamDecoder utf8 = new Utf8StreamDecoder();
 * for (int token : generated) {
 *     System.out.print(utf8.feed(tokenizer.decodePiece(token, false)));
 * }
 * System.out.print(utf8.finish());
 * </pre>
 *
 * Bytes that cannot be part of valid UTF-8 become U+FFFD as soon as that is certain (the maximal
 * invalid subsequence each, as the JDK decoder and the Unicode standard recommend); a sequence cut
 * short by the end of the stream becomes U+FFFD in {@link #finish()}.
 *
 * <p>Stateful: use one per stream, from one thread at a time.
 */
public final class Utf8StreamDecoder {
    private static final int MAX_PENDING = 3; // a 4-byte sequence missing its last byte

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final byte[] pending = new byte[MAX_PENDING];
    private int pendingLength;

    /**
     * Adds bytes to the stream.
     *
     * @return the characters completed by these bytes (possibly empty)
     */
    public String feed(byte[] bytes) {
        return feed(bytes, 0, bytes.length);
    }

    /**
     * Adds {@code bytes[offset, offset + length)} to the stream.
     *
     * @return the characters completed by these bytes (possibly empty)
     */
    public String feed(byte[] bytes, int offset, int length) {
        ByteBuffer in = ByteBuffer.allocate(pendingLength + length);
        in.put(pending, 0, pendingLength).put(bytes, offset, length).flip();
        String text = decode(in, false);
        // what the decoder left is an incomplete but still possible sequence, at most 3 bytes
        pendingLength = in.remaining();
        in.get(pending, 0, pendingLength);
        return text;
    }

    /**
     * Ends the stream: an incomplete sequence still held back becomes U+FFFD. The decoder can then
     * be used for a new stream.
     *
     * @return the remaining characters (empty if the stream ended on a character boundary)
     */
    public String finish() {
        ByteBuffer in = ByteBuffer.wrap(pending, 0, pendingLength);
        String text = decode(in, true);
        pendingLength = 0;
        decoder.reset();
        return text;
    }

    /** @return whether bytes of an incomplete character are being held back */
    public boolean hasPending() {
        return pendingLength > 0;
    }

    private String decode(ByteBuffer in, boolean endOfInput) {
        // every byte gives at most one char, except a 4-byte sequence which gives two
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, endOfInput);
        if (endOfInput) {
            decoder.flush(out);
        }
        return out.flip().toString();
    }
}
