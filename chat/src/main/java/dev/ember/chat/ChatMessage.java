package dev.ember.chat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One message of a conversation: a role ({@code system}, {@code user}, {@code assistant}, {@code tool}) and
 * its text. Templates see it as the map {@code {"role": ..., "content": ...}}; richer messages (tool calls,
 * content parts) go to {@link ChatTemplate#render(java.util.List, java.util.List, boolean, Map)} as maps.
 *
 * @param role    who speaks
 * @param content what they say
 */
public record ChatMessage(String role, String content) {
    /** Checks both values are there. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** @return a system message */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** @return a user message */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** @return an assistant message */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** @return the message as a template sees it */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
