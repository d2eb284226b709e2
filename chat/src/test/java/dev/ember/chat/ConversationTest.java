package dev.ember.chat;

import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.SharedData;
import dev.ember.StopReason;
import dev.ember.TokenListener;
import dev.ember.sampling.SamplerSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A conversation keeps its turns in the session's cache: each turn evaluates only what is new, and the model's
 * own reply tokens stay as generated. synth-llama3 (random weights, Llama 3's special tokens) writes replies
 * whose text would not tokenize back into the same tokens, so re-tokenizing would show here.
 */
class ConversationTest {
    /** Llama 3's turn markers without its {@code | trim}, so the template gives each reply back verbatim. */
    private static final String TEMPLATE = "{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>"
            + "\n\n{{ m.content }}<|eot_id|>{% endfor %}"
            + "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}";
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(SharedData.require("models/synth-llama3-Q8_0.gguf"), LoadOptions.builder().threads(1).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void eachTurnEvaluatesOnlyItsNewTokens() {
        Conversation chat = new Conversation(model.newSession(), ChatTemplate.of(model, TEMPLATE), "Be brief.");
        GenerationResult first = chat.send("Hi! Who are you?", SamplerSpec.GREEDY, 24, TokenListener.NONE);
        assertEquals(first.promptTokens().length, first.prefill().tokens(), "nothing cached before the first turn");
        GenerationResult second = chat.send("Tell me about your dog.", SamplerSpec.GREEDY, 24, TokenListener.NONE);
        int[] p1 = first.promptTokens();
        int[] p2 = second.promptTokens();
        // the second prompt continues the first prompt and the reply's very tokens
        for (int i = 0; i < p1.length; i++) {
            assertEquals(p1[i], p2[i], "prompt token " + i);
        }
        for (int i = 0; i < first.tokens().length; i++) {
            assertEquals(first.tokens()[i], p2[p1.length + i], "reply token " + i);
        }
        // everything the cache held is reused: the first prompt and the reply but its last token (never fed back)
        int cached = p1.length + first.tokens().length - (first.stopReason() == StopReason.MAX_TOKENS ? 1 : 0);
        assertEquals(p2.length - cached, second.prefill().tokens());
        assertEquals(5, chat.messages().size(), "system, user, assistant, user, assistant");
        // the same conversation rendered and tokenized afresh is longer: the reply's text splits differently
        int[] fresh = ChatPrompt.tokenize(model, chat.template().render(chat.messages().subList(0, 4), true));
        assertTrue(fresh.length != p2.length || !java.util.Arrays.equals(fresh, p2),
                "re-tokenizing would not have kept the reply's tokens (else this test shows nothing)");

        chat.reset();
        assertEquals(List.of(ChatMessage.system("Be brief.")), chat.messages());
        assertEquals(0, chat.session().position());
        GenerationResult again = chat.send("Hi! Who are you?", SamplerSpec.GREEDY, 24, TokenListener.NONE);
        assertEquals(first.text(), again.text(), "after reset the first turn comes back the same");
        assertEquals(again.promptTokens().length, again.prefill().tokens());
    }

    @Test
    void aRefusedTurnLeavesTheConversationAsItWas() {
        ChatTemplate strict = ChatTemplate.of(model, "{% if messages|length > 2 %}{{ raise_exception('only one turn') }}"
                + "{% endif %}" + TEMPLATE);
        Conversation chat = new Conversation(model.newSession(), strict, null);
        chat.send("one", SamplerSpec.GREEDY, 4, TokenListener.NONE);
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> chat.send("two", SamplerSpec.GREEDY, 4, TokenListener.NONE));
        assertTrue(e.getMessage().endsWith("only one turn"), e.getMessage());
        assertEquals(2, chat.messages().size(), "the refused message is not kept");
    }
}
