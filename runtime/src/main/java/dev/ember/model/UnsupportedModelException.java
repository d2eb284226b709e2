package dev.ember.model;

import dev.ember.EmberException;

/** A GGUF whose architecture Ember does not run; names it and the supported list. */
public final class UnsupportedModelException extends EmberException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the architecture and the supported ones */
    public UnsupportedModelException(String message) {
        super(message);
    }
}
