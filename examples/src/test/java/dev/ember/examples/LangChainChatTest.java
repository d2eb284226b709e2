package dev.ember.examples;

import dev.ember.SharedData;
import dev.langchain4j.model.chat.response.ChatResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The LangChain4j example runs as its javadoc shows: a blocking answer, then a streamed one with usage. */
class LangChainChatTest {
    @Test
    void answersBlockingThenStreaming() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChatResponse r = LangChainChat.run(SharedData.require("models/stories260K-q8_0.gguf"), "Tell me a story.",
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(printed.startsWith("blocking:  "), printed);
        assertTrue(printed.contains("streaming: " + r.aiMessage().text()), printed);
        assertTrue(r.tokenUsage().inputTokenCount() > 0 && r.tokenUsage().outputTokenCount() > 0, printed);
        assertTrue(printed.matches("(?s).*stories260K-q8_0.gguf: \\d+ prompt tokens, \\d+ reply tokens, finish \\w+\\s*"),
                printed);
    }
}
