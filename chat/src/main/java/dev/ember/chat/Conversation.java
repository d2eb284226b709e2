package dev.ember.chat;

import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.StopReason;
import dev.ember.TokenListener;
import dev.ember.sampling.SamplerSpec;
import dev.ember.tokenizer.TokenType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A multi-turn chat in one {@link Session}: each turn renders the whole conversation with the model's
 * {@link ChatTemplate} and generates the assistant's reply. The session's KV cache still holds the earlier
 * turns, so only the tokens after the common prefix are evaluated: the new user message and the template's
 * markers around it ({@link GenerationResult#prefill()} counts them).
 *
 * <p>The earlier turns keep the very tokens the model generated: when the new rendering starts with the last
 * prompt and reply (templates append), the prompt is the last prompt's tokens, the reply's tokens, and the
 * tokens of the rest. Re-tokenizing the reply's text could split it differently (llama-server does that, and
 * then evaluates the reply again). The splice is taken only where tokenizing the rest apart cannot change it:
 * it begins with a special token (the end-of-turn marker), or it is the tail of the whole text's tokens.
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
    private String lastText;      // the last turn's prompt text and reply, as the cache holds them
    private int[] lastTokens;     // their tokens: the prompt's, then the reply's

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
            String text = template.render(messages, true);
            int[] prompt = continuation(text);
            GenerationRequest request = GenerationRequest.builder().promptTokens(prompt).maxTokens(maxTokens)
                    .sampler(sampler).stop(template.stopStrings()).build();
            GenerationResult result = session.generate(request, listener);
            messages.add(ChatMessage.assistant(result.text()));
            boolean textIsTokens = result.stopReason() != StopReason.STOP_STRING; // a stop string cuts the text only
            lastText = textIsTokens ? text + result.text() : null;
            lastTokens = textIsTokens ? concat(prompt, result.tokens()) : null;
            return result;
        } catch (RuntimeException e) {
            messages.removeLast();
            throw e;
        }
    }

    /** @return the prompt's tokens, continuing the last turn's own tokens where the rendering allows it */
    private int[] continuation(String text) {
        Model model = session.model();
        if (lastText == null || !text.startsWith(lastText)) {
            return ChatPrompt.tokenize(model, text);
        }
        int[] rest = model.tokenizer().encode(text.substring(lastText.length()), false, true);
        if (rest.length > 0 && model.tokenizer().vocabulary().type(rest[0]) == TokenType.CONTROL) {
            return concat(lastTokens, rest); // the usual case: the rest starts with the end-of-turn token
        }
        int[] whole = ChatPrompt.tokenize(model, text);
        return endsWith(whole, rest) ? concat(lastTokens, rest) : whole;
    }

    private static boolean endsWith(int[] a, int[] tail) {
        return tail.length > 0 && tail.length <= a.length
                && Arrays.equals(a, a.length - tail.length, a.length, tail, 0, tail.length);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** Forgets every turn (the system prompt stays) and empties the session's cache. */
    public void reset() {
        lastText = null;
        lastTokens = null;
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
