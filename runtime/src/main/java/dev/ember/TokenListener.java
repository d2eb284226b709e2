package dev.ember;

/**
 * Receives generated text as it is produced: the streaming API. Pieces never split a UTF-8
 * character, and text that may turn out to be the start of a stop string is held back until that is
 * decided, so the pieces add up to the result's text.
 *
 * <pre>
 * session.generate(request, piece -> {
 *     System.out.print(piece);
 *     return !userPressedStop;     // false cancels: the result's stop reason is CANCELLED
 * });
 * </pre>
 *
 * Throwing {@link GenerationCancelledException} cancels too; any other exception propagates out of
 * {@code generate}. Called on the generating thread.
 */
@FunctionalInterface
public interface TokenListener {
    /** Ignores the text. */
    TokenListener NONE = text -> true;

    /**
     * @param text the next piece of generated text, never empty
     * @return true to go on, false to stop
     */
    boolean onText(String text);
}
