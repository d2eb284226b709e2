package dev.ember.chat;

import dev.ember.EmberException;

/**
 * A chat template refused a conversation ({@code raise_exception} in the template, e.g. "Conversation roles
 * must alternate user/assistant/user/assistant/...") or could not be rendered; the message says which.
 */
public final class ChatTemplateException extends EmberException {
    private final boolean raisedByTemplate;

    ChatTemplateException(String message, boolean raisedByTemplate) {
        super(message);
        this.raisedByTemplate = raisedByTemplate;
    }

    /** @return true if the template raised it (a conversation it does not accept), false for a broken template */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
