package dev.ember;

import org.junit.jupiter.api.Assumptions;

/**
 * A test's precondition that a machine may lack (reference data, a compiler, an emulator): where it does not hold
 * the test is skipped with the message, except under {@code CI=true}, where it fails: CI must never pass by skipping.
 */
public final class Required {
    private Required() {
    }

    /** Returns when {@code holds}; otherwise skips the calling test, or fails it under {@code CI=true}. */
    public static void that(boolean holds, String message) {
        if (holds) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + " (CI=true: required, a skip would hide it)");
        }
        Assumptions.abort(message);
    }
}
