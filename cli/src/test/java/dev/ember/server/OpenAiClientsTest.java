package dev.ember.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.SharedData;
import dev.ember.chat.ChatMessage;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.ember.server.ServerFixture.engineChat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real clients against {@code ember serve} on a free loopback port: the official OpenAI Java SDK and
 * LangChain4j's OpenAI models, streaming and not; greedy answers equal the engine's, usage counts are right,
 * errors surface as each client's own exceptions; and a bounded load test loses nothing.
 */
class OpenAiClientsTest {
    private static final Path MODEL = SharedData.require("models/stories260K-q8_0.gguf");
    private static final String KEY = "test-key";
    private static Model model;
    private static OpenAiServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        model = Model.load(MODEL, LoadOptions.builder().threads(2).build());
        server = OpenAiServer.start(model, OpenAiServerTest.options(2, 8, KEY, 0));
        client = sdk(KEY);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        model.close();
    }

    private static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey(key)
                .maxRetries(0).build();
    }

    private static ChatCompletionCreateParams chatParams(String user, long maxTokens) {
        return ChatCompletionCreateParams.builder().model(server.modelId()).addSystemMessage("You tell stories.")
                .addUserMessage(user).temperature(0.0).maxCompletionTokens(maxTokens).build();
    }

    private static GenerationResult engine(String user, int maxTokens) {
        return engineChat(model, List.of(ChatMessage.system("You tell stories."), ChatMessage.user(user)), maxTokens);
    }

    @Test
    void openAiSdkChatStreamingAndNot() {
        GenerationResult expected = engine("Tell me about a dog.", 32);
        ChatCompletion c = client.chat().completions().create(chatParams("Tell me about a dog.", 32));
        assertEquals(expected.text(), c.choices().getFirst().message().content().orElseThrow());
        assertEquals(expected.promptTokens().length, c.usage().orElseThrow().promptTokens());
        assertEquals(expected.tokens().length, c.usage().orElseThrow().completionTokens());

        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(chatParams("Tell me about a dog.", 32))) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice ->
                    choice.delta().content().ifPresent(streamed::append)));
        }
        assertEquals(expected.text(), streamed.toString());
    }

    @Test
    void openAiSdkCompletionIsEmberRunsText() throws Exception {
        JsonNode run = ServerFixture.emberRun(MODEL, "Once upon a time", 20);
        CompletionCreateParams params = CompletionCreateParams.builder().model(server.modelId())
                .prompt("Once upon a time").maxTokens(20).temperature(0.0).build();
        Completion c = client.completions().create(params);
        assertEquals(run.path("text").asText(), c.choices().getFirst().text());
        assertEquals(run.path("prompt_tokens").size(), c.usage().orElseThrow().promptTokens());
        assertEquals(run.path("tokens").size(), c.usage().orElseThrow().completionTokens());

        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> streamed.append(choice.text())));
        }
        assertEquals(run.path("text").asText(), streamed.toString());
    }

    @Test
    void openAiSdkSurfacesErrorsAsItsExceptions() {
        BadRequestException tooLong = assertThrows(BadRequestException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model(server.modelId()).prompt("Once upon a time ".repeat(200))
                        .build()));
        assertEquals("context_length_exceeded", tooLong.code().orElse(null));
        assertTrue(tooLong.getMessage().contains("context holds 512"), tooLong.getMessage());
        assertThrows(NotFoundException.class, () -> client.models().retrieve("no-such-model"));
        OpenAIClient wrongKey = sdk("wrong");
        try {
            UnauthorizedException e = assertThrows(UnauthorizedException.class,
                    () -> wrongKey.chat().completions().create(chatParams("Hi", 4)));
            assertEquals("invalid_api_key", e.code().orElse(null));
        } finally {
            wrongKey.close();
        }
    }

    @Test
    void langChain4jOpenAiModelsChatStreamingAndNot() {
        String base = "http://127.0.0.1:" + server.port() + "/v1";
        GenerationResult expected = engineChat(model, List.of(ChatMessage.user("Tell me a story.")), 24);
        ChatModel chat = OpenAiChatModel.builder().baseUrl(base).apiKey(KEY).modelName(server.modelId())
                .temperature(0.0).maxTokens(24).maxRetries(0).build();
        ChatResponse r = chat.chat(dev.langchain4j.data.message.UserMessage.from("Tell me a story."));
        assertEquals(expected.text(), r.aiMessage().text());
        assertEquals(expected.promptTokens().length, r.tokenUsage().inputTokenCount());
        assertEquals(expected.tokens().length, r.tokenUsage().outputTokenCount());

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(base).apiKey(KEY)
                .modelName(server.modelId()).temperature(0.0).maxTokens(24).build();
        StringBuilder pieces = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat("Tell me a story.", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String piece) {
                pieces.append(piece);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse s = done.join();
        assertEquals(expected.text(), pieces.toString());
        assertEquals(expected.text(), s.aiMessage().text());
        assertEquals(expected.tokens().length, s.tokenUsage().outputTokenCount());

        LangChain4jException tooLong = assertThrows(LangChain4jException.class,
                () -> chat.chat("Once upon a time ".repeat(200)));
        assertTrue(tooLong.getMessage().contains("context holds 512"), tooLong.getMessage());
    }

    /** 32 requests from 8 client threads, half of them streamed: none lost, each the engine's greedy answer. */
    @Test
    void boundedLoadLosesNothing() throws Exception {
        String[] prompts = {"Tell me about a dog.", "Tell me about a cat.", "A story about the sea.", "Hi!"};
        int maxTokens = 48;
        String[] expected = new String[prompts.length];
        for (int i = 0; i < prompts.length; i++) {
            expected[i] = engine(prompts[i], maxTokens).text();
        }
        int requests = 32;
        int threads = 8;
        long[] latencies = new long[requests];
        long[] completionTokens = new long[requests];
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    ChatCompletionCreateParams params = chatParams(prompts[n % prompts.length], maxTokens);
                    String text;
                    if (n % 2 == 0) {
                        ChatCompletion c = client.chat().completions().create(params);
                        completionTokens[n] = c.usage().orElseThrow().completionTokens();
                        text = c.choices().getFirst().message().content().orElseThrow();
                    } else {
                        StringBuilder b = new StringBuilder();
                        long[] usage = {0};
                        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                                .createStreaming(params)) {
                            stream.stream().forEach(chunk -> {
                                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(b::append));
                                chunk.usage().ifPresent(u -> usage[0] = u.completionTokens());
                            });
                        }
                        completionTokens[n] = usage[0];
                        text = b.toString();
                    }
                    latencies[n] = System.nanoTime() - start;
                    return text;
                }));
            }
            for (int i = 0; i < requests; i++) {
                assertEquals(expected[i % prompts.length], results.get(i).get(), "request " + i);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long tokens = Arrays.stream(completionTokens).sum();
        assertTrue(Arrays.stream(completionTokens).allMatch(t -> t > 0), "every answer counted its tokens");
        assertEquals(server.parallel(), server.idleSessions(), "every session back in the pool");
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "load test: %d requests (half streamed) from %d client threads, %d parallel "
                        + "sessions: p50 %.0f ms, p99 %.0f ms, %d completion tokens in %.2f s = %.1f tok/s%n",
                requests, threads, server.parallel(), sorted[requests / 2] / 1e6,
                sorted[(int) Math.ceil(requests * 0.99) - 1] / 1e6, tokens, seconds, tokens / seconds);
    }
}
