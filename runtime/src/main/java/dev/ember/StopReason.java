package dev.ember;

/** Why a generation ended. */
public enum StopReason {
    /** The request's {@code maxTokens} were generated. */
    MAX_TOKENS,
    /** The model produced an end-of-generation token (EOS, EOT and the like). */
    EOS,
    /** The text reached one of the request's stop strings (which is left out of the result). */
    STOP_STRING,
    /** The session's context is full. */
    CONTEXT_FULL,
    /** The listener asked to stop. */
    CANCELLED;

    /** @return whether the reply ran out of room (tokens or context) rather than ended: OpenAI's "length" */
    public boolean outOfRoom() {
        return this == MAX_TOKENS || this == CONTEXT_FULL;
    }
}
