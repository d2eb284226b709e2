package dev.ember.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.Model;
import dev.ember.SessionOptions;
import dev.ember.chat.ChatMessage;
import dev.ember.chat.ChatPrompt;
import dev.ember.chat.ChatTemplate;
import dev.ember.cli.EmberCli;
import dev.ember.sampling.SamplerSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the server tests share: plain HTTP calls, SSE parsing, and the engine's own answers to compare with. */
final class ServerFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ServerFixture() {
    }

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    static Reply get(OpenAiServer server, String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(server, path)).GET().build());
    }

    static Reply post(OpenAiServer server, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(server, path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    private static Reply send(HttpRequest request) throws Exception {
        HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }

    static URI uri(OpenAiServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** @return the JSON objects of an SSE stream; asserts it ends with [DONE] */
    static List<JsonNode> events(String sse) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        String last = null;
        for (String block : sse.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            if (!block.startsWith("data: ")) {
                throw new AssertionError("not an SSE data event: " + block);
            }
            last = block.substring("data: ".length());
            if (!last.equals("[DONE]")) {
                events.add(JSON.readTree(last));
            }
        }
        assertEquals("[DONE]", last, "the stream ends with data: [DONE]");
        return events;
    }

    /** @return the engine's greedy reply to a conversation, rendered as the server renders it */
    static GenerationResult engineChat(Model model, List<ChatMessage> conversation, int maxTokens) {
        ChatTemplate template = ChatTemplate.of(model);
        int[] prompt = ChatPrompt.tokenize(model, template.render(conversation, true));
        return model.newSession(SessionOptions.defaults()).generate(GenerationRequest.builder().promptTokens(prompt)
                .maxTokens(maxTokens).sampler(SamplerSpec.GREEDY)
                .stop(template.stopStrings().toArray(String[]::new)).build());
    }

    /** @return what {@code ember run --temperature 0 --json} prints for a prompt */
    static JsonNode emberRun(Path model, String prompt, int maxTokens) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = EmberCli.run(new PrintWriter(out), new PrintWriter(err), "run", "--model", model.toString(),
                "--prompt", prompt, "--max-tokens", Integer.toString(maxTokens), "--temperature", "0", "--json",
                "--threads", "2");
        assertEquals(0, status, err.toString());
        return JSON.readTree(out.toString());
    }
}
