package dev.ember.chat;

import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.Session;
import dev.ember.TokenListener;
import dev.ember.sampling.SamplerSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * A multi-turn chat in one {@link Session}: each turn renders the whole conversation with the model's
 * {@link ChatTemplate} and generates the assistant's reply. The session's KV cache still holds the earlier
 * turns, so only the tokens after the common prefix are evaluated: the new user message and the template's
 * markers around it ({@link GenerationResult#prefill()} counts them).
 *
 * <pre>
 * Conversation chat = new Conversation(model.newSession(), ChatTemplate.of(model), "You are terse.");
 * chat.send("Hi!", SamplerSpec.GREEDY, 128, piece -> { System.out.print(piece); return true; });
 * </pre>
 *
 * Not thread-safe, like its session.
 */
public final class Conversation {
    private final Session session;
    private final ChatTemplate template;
    private final String systemPrompt;
    private final List<ChatMessage> messages = new ArrayList<>();

    /**
     * @param session      the session whose cache holds the conversation
     * @param template     the model's chat template
     * @param systemPrompt the system message that opens the conversation, or null for none
     */
    public Conversation(Session session, ChatTemplate template, String systemPrompt) {
        this.session = session;
        this.template = template;
        this.systemPrompt = systemPrompt == null || systemPrompt.isBlank() ? null : systemPrompt;
        reset();
    }

    /**
     * Adds a user message and generates the reply, streaming it; the reply joins the conversation (also when
     * cancelled, as far as it got).
     *
     * @throws ChatTemplateException if the template refuses the conversation (the message is not added)
     * @throws dev.ember.EmberException if the conversation no longer fits the context (the message is not added)
     */
    public GenerationResult send(String userText, SamplerSpec sampler, int maxTokens, TokenListener listener) {
        messages.add(ChatMessage.user(userText));
        try {
            int[] prompt = ChatPrompt.tokenize(session.model(), template.render(messages, true));
            GenerationRequest request = GenerationRequest.builder().promptTokens(prompt).maxTokens(maxTokens)
                    .sampler(sampler).stop(template.stopStrings().toArray(String[]::new)).build();
            GenerationResult result = session.generate(request, listener);
            messages.add(ChatMessage.assistant(result.text()));
            return result;
        } catch (RuntimeException e) {
            messages.removeLast();
            throw e;
        }
    }

    /** Forgets every turn (the system prompt stays) and empties the session's cache. */
    public void reset() {
        messages.clear();
        if (systemPrompt != null) {
            messages.add(ChatMessage.system(systemPrompt));
        }
        session.reset();
    }

    /** @return the conversation so far (a copy) */
    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /** @return the session */
    public Session session() {
        return session;
    }

    /** @return the template */
    public ChatTemplate template() {
        return template;
    }
}
