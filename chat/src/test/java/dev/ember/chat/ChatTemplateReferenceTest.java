package dev.ember.chat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.tokenizer.Vocabulary;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every conversation in {@code ../shared/reference/chat/chat-templates.json}, rendered by jinja2 from the
 * templates inside the vocab GGUFs, must come out of {@link ChatTemplate} byte for byte (errors included).
 */
class ChatTemplateReferenceTest {
    private static final Map<String, ChatTemplate> TEMPLATES = new HashMap<>();

    @TestFactory
    Stream<DynamicTest> everySharedCaseMatchesJinja2() throws IOException {
        Path file = SharedData.require("reference/chat/chat-templates.json");
        Map<String, Object> root = new ObjectMapper().readValue(file.toFile(), new TypeReference<>() {
        });
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("cases");
        assertFalse(cases.isEmpty(), "no cases in " + file);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.get("vocab") + " " + c.get("conversation")
                + (Boolean.TRUE.equals(c.get("add_generation_prompt")) ? " +gen" : ""), () -> check(c)));
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> c) {
        ChatTemplate template = template((String) c.get("vocab"));
        assertFalse(template.isFallback(), "the vocab file has a template");
        assertEquals(c.get("bos_token"), template.bosToken(), "bos_token as transformers sees it");
        assertEquals(c.get("eos_token"), template.eosToken(), "eos_token as transformers sees it");
        List<Map<String, Object>> messages = (List<Map<String, Object>>) c.get("messages");
        List<Map<String, Object>> tools = (List<Map<String, Object>>) c.get("tools");
        boolean generationPrompt = (Boolean) c.get("add_generation_prompt");
        String error = (String) c.get("error");
        if (error != null) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class,
                    () -> template.render(messages, tools, generationPrompt, Map.of()));
            assertTrue(e.getMessage().contains(error), e.getMessage() + " should name: " + error);
        } else {
            assertEquals(c.get("expected"), template.render(messages, tools, generationPrompt, Map.of()));
        }
    }

    private static synchronized ChatTemplate template(String vocab) {
        return TEMPLATES.computeIfAbsent(vocab, v -> {
            try (GgufFile gguf = GgufFile.open(SharedData.require("tokenizer/" + v))) {
                return ChatTemplate.fromGguf(gguf.metadata(), Vocabulary.fromGguf(gguf.metadata()));
            }
        });
    }
}
