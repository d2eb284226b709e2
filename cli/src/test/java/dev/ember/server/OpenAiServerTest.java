package dev.ember.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.SharedData;
import dev.ember.chat.ChatMessage;
import dev.ember.chat.ChatTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static dev.ember.server.ServerFixture.engineChat;
import static dev.ember.server.ServerFixture.events;
import static dev.ember.server.ServerFixture.get;
import static dev.ember.server.ServerFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAI-compatible server over plain HTTP: its answers equal the engine's, streams are well-formed SSE,
 * bad input gets OpenAI error objects, a full queue gets 503, and a client that goes away cancels its generation.
 */
class OpenAiServerTest {
    private static final Path MODEL = SharedData.require("models/stories260K-q8_0.gguf");
    private static Model model;
    private static OpenAiServer server;

    @BeforeAll
    static void start() {
        model = Model.load(MODEL, LoadOptions.builder().threads(2).build());
        server = OpenAiServer.start(model, options(2, 8, null, 0));
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    static OpenAiServer.Options options(int parallel, int queue, String key, int ctx) {
        return new OpenAiServer.Options("127.0.0.1", 0, parallel, queue, key, ctx, SessionOptions.DENSE, null);
    }

    @Test
    void healthAndModels() throws Exception {
        ServerFixture.Reply health = get(server, "/health");
        assertEquals(200, health.status());
        assertEquals("ok", health.json().path("status").asText());
        JsonNode models = get(server, "/v1/models").json();
        assertEquals("list", models.path("object").asText());
        assertEquals("stories260K-q8_0.gguf", models.path("data").get(0).path("id").asText());
        assertEquals(512, models.path("data").get(0).path("meta").path("context_length").asInt());
    }

    @Test
    void greedyCompletionIsEmberRunsText() throws Exception {
        JsonNode run = ServerFixture.emberRun(MODEL, "Once upon a time", 24);
        JsonNode r = post(server, "/v1/completions",
                "{\"model\": \"m\", \"prompt\": \"Once upon a time\", \"max_tokens\": 24, \"temperature\": 0}").json();
        assertEquals("text_completion", r.path("object").asText());
        assertEquals(run.path("text").asText(), r.path("choices").get(0).path("text").asText());
        assertEquals("length", r.path("choices").get(0).path("finish_reason").asText());
        assertEquals(run.path("prompt_tokens").size(), r.path("usage").path("prompt_tokens").asInt());
        assertEquals(run.path("tokens").size(), r.path("usage").path("completion_tokens").asInt());
        assertEquals(run.path("prompt_tokens").size() + run.path("tokens").size(),
                r.path("usage").path("total_tokens").asInt());
    }

    @Test
    void chatStreamAddsUpToTheWholeAnswerAndTheEnginesGreedyReply() throws Exception {
        String body = "{\"messages\": [{\"role\": \"system\", \"content\": \"You tell stories.\"}, "
                + "{\"role\": \"user\", \"content\": \"Tell me about a cat.\"}], \"max_tokens\": 32, \"temperature\": 0";
        GenerationResult engine = engineChat(model, List.of(ChatMessage.system("You tell stories."),
                ChatMessage.user("Tell me about a cat.")), 32);
        JsonNode whole = post(server, "/v1/chat/completions", body + "}").json();
        assertEquals("chat.completion", whole.path("object").asText());
        JsonNode message = whole.path("choices").get(0).path("message");
        assertEquals("assistant", message.path("role").asText());
        assertEquals(engine.text(), message.path("content").asText());
        assertEquals(engine.promptTokens().length, whole.path("usage").path("prompt_tokens").asInt());
        assertEquals(engine.tokens().length, whole.path("usage").path("completion_tokens").asInt());

        ServerFixture.Reply streamed = post(server, "/v1/chat/completions", body + ", \"stream\": true}");
        assertEquals(200, streamed.status());
        assertTrue(streamed.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> events = events(streamed.body());
        assertEquals("assistant", events.getFirst().path("choices").get(0).path("delta").path("role").asText());
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events) {
            assertEquals("chat.completion.chunk", e.path("object").asText());
            assertEquals(events.getFirst().path("id").asText(), e.path("id").asText(), "one id per stream");
            text.append(e.path("choices").get(0).path("delta").path("content").asText(""));
        }
        assertEquals(engine.text(), text.toString());
        JsonNode last = events.getLast();
        assertEquals(whole.path("choices").get(0).path("finish_reason").asText(),
                last.path("choices").get(0).path("finish_reason").asText());
        assertEquals(whole.path("usage"), last.path("usage"));

        List<JsonNode> withUsage = events(post(server, "/v1/chat/completions",
                body + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}").body());
        assertEquals(0, withUsage.getLast().path("choices").size(), "OpenAI's usage chunk has no choices");
        assertEquals(whole.path("usage"), withUsage.getLast().path("usage"));
    }

    @Test
    void applyTemplateRendersAsTheTemplateDoes() throws Exception {
        JsonNode r = post(server, "/apply-template",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}").json();
        assertEquals(ChatTemplate.of(model).render(List.of(ChatMessage.user("Hi")), true), r.path("prompt").asText());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", r.path("prompt").asText(),
                "stories260K has no template: ChatML");
    }

    @Test
    void badInputGetsOpenAiErrorObjects() throws Exception {
        assertError(post(server, "/v1/chat/completions", "{\"messages\": [ {"), 400, "invalid_json");
        assertError(post(server, "/v1/chat/completions", "[1, 2]"), 400, "invalid_json");
        assertError(post(server, "/v1/chat/completions", "{\"model\": \"m\"}"), 400, "missing_field");
        assertError(post(server, "/v1/completions", "{\"max_tokens\": 3}"), 400, "missing_field");
        assertError(post(server, "/v1/completions", "{\"prompt\": \"a\", \"n\": 2}"), 400, "invalid_value");
        assertError(post(server, "/v1/completions", "{\"prompt\": \"a\", \"temperature\": \"hot\"}"), 400,
                "invalid_value");
        assertError(post(server, "/v1/completions", "{\"prompt\": \"a\", \"top_p\": 7}"), 400, "invalid_value");
        assertError(post(server, "/v1/chat/completions", "{\"messages\": [{\"content\": \"no role\"}]}"), 400,
                "invalid_value");
        assertError(get(server, "/v1/nothing"), 404, "not_found");
        ServerFixture.Reply huge = post(server, "/v1/completions", "{\"prompt\": \"" + "x".repeat(2_000_000) + "\"}");
        assertEquals(413, huge.status(), huge.body());
        assertEquals("http_413", huge.json().path("error").path("code").asText(), huge.body());
        assertError(get(server, "/v1/completions"), 404, "not_found");
        String tooLong = "Once upon a time ".repeat(200);
        ServerFixture.Reply r = post(server, "/v1/completions", "{\"prompt\": \"" + tooLong + "\"}");
        assertError(r, 400, "context_length_exceeded");
        String message = r.json().path("error").path("message").asText();
        assertTrue(message.matches(".*the prompt is \\d+ tokens but the context holds 512.*"), message);
        assertEquals(server.parallel(), server.idleSessions(), "no session leaked by bad requests");
        assertEquals(200, get(server, "/health").status(), "still serving");
    }

    static void assertError(ServerFixture.Reply r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        JsonNode error = r.json().path("error");
        assertEquals(code, error.path("code").asText(), r.body());
        assertFalse(error.path("message").asText().isBlank(), r.body());
        assertFalse(error.path("type").asText().isBlank(), r.body());
    }

    @Test
    void apiKeyIsCheckedOnTheApiButNotOnHealth() throws Exception {
        try (OpenAiServer keyed = OpenAiServer.start(model, options(1, 1, "sekret", 0))) {
            String body = "{\"prompt\": \"Once\", \"max_tokens\": 2}";
            assertError(post(keyed, "/v1/completions", body), 401, "invalid_api_key");
            assertError(post(keyed, "/v1/completions", body, "Authorization", "Bearer wrong"), 401, "invalid_api_key");
            assertEquals(200, post(keyed, "/v1/completions", body, "Authorization", "Bearer sekret").status());
            assertEquals(200, get(keyed, "/health").status());
        }
    }

    @Test
    void aFullQueueGets503WithRetryAfter() throws Exception {
        try (OpenAiServer small = OpenAiServer.start(model, options(1, 0, null, 0))) {
            Session held = small.pool().acquire(); // the one session is busy
            try {
                ServerFixture.Reply r = post(small, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2}");
                assertError(r, 503, "server_busy");
                assertEquals("1", r.raw().headers().firstValue("Retry-After").orElse(null));
            } finally {
                small.pool().release(held);
            }
            assertEquals(200, post(small, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2}").status());
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamCancelsItsGeneration() throws Exception {
        try (OpenAiServer one = OpenAiServer.start(model, options(1, 4, null, 0))) {
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 480, \"temperature\": 0, \"stream\": true}";
            try (Socket socket = new Socket("127.0.0.1", one.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
                    assertNotNull(line); // headers, chunk sizes
                }
                assertNotNull(line, "the stream started");
            } // the client goes away after its first event
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (one.generations() < 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(1, one.generations(), "the generation ended");
            assertEquals(1, one.cancelledGenerations(), "it was cancelled, not run to its 480 tokens");
            assertEquals(1, one.idleSessions(), "its session went back to the pool");
            assertEquals(200, post(one, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2}").status());
        }
    }
}
