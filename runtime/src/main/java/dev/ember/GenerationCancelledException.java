package dev.ember;

/**
 * Thrown by a {@link TokenListener} to stop a generation from deep inside its own code; the
 * generation then ends normally with {@link StopReason#CANCELLED} and the text produced so far.
 */
public class GenerationCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Cancels with no message. */
    public GenerationCancelledException() {
        super("generation cancelled", null, false, false);
    }
}
