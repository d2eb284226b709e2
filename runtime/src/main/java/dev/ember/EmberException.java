package dev.ember;

/**
 * Base unchecked exception for bad input or options: a malformed file, an unsupported model, a
 * prompt longer than the context. Its message is one line that names the problem, fit to show a
 * user as it is.
 */
public class EmberException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the problem */
    public EmberException(String message) {
        super(message);
    }

    /**
     * @param message one line naming the problem
     * @param cause the underlying failure
     */
    public EmberException(String message, Throwable cause) {
        super(message, cause);
    }
}
