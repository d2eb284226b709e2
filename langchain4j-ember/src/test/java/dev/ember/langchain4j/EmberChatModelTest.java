package dev.ember.langchain4j;

import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.SharedData;
import dev.ember.chat.ChatMessage;
import dev.ember.chat.ChatPrompt;
import dev.ember.chat.ChatTemplate;
import dev.ember.sampling.SamplerSpec;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LangChain4j's chat API over Ember in process gives what the engine gives for the same conversation. */
class EmberChatModelTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(SharedData.require("models/stories260K-q8_0.gguf"), LoadOptions.builder().threads(2).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** @return the engine's greedy reply to a conversation, without LangChain4j */
    private static GenerationResult engineReply(List<ChatMessage> conversation, int maxTokens) {
        ChatTemplate template = ChatTemplate.of(model);
        int[] prompt = ChatPrompt.tokenize(model, template.render(conversation, true));
        return model.newSession().generate(GenerationRequest.builder().promptTokens(prompt).maxTokens(maxTokens)
                .sampler(SamplerSpec.GREEDY).stop(template.stopStrings().toArray(String[]::new)).build());
    }

    @Test
    void blockingChatIsTheEnginesGreedyReplyWithUsage() {
        ChatModel chat = EmberChatModel.builder().model(model).temperature(0.0).maxTokens(24).build();
        GenerationResult expected = engineReply(List.of(ChatMessage.system("You tell stories."),
                ChatMessage.user("Once upon a time")), 24);
        ChatResponse r = chat.chat(SystemMessage.from("You tell stories."), UserMessage.from("Once upon a time"));
        assertEquals(expected.text(), r.aiMessage().text());
        assertTrue(!expected.text().isBlank(), "a reply");
        assertEquals(expected.promptTokens().length, r.tokenUsage().inputTokenCount());
        assertEquals(expected.tokens().length, r.tokenUsage().outputTokenCount());
        assertEquals(expected.tokens().length == 24 ? FinishReason.LENGTH : FinishReason.STOP, r.finishReason());
        assertEquals("stories260K-q8_0.gguf", r.modelName());
        assertEquals(engineReply(List.of(ChatMessage.user("Once upon a time")), 24).text(),
                chat.chat("Once upon a time"), "the String overload: one user message");
    }

    @Test
    void streamingPiecesAddUpToTheBlockingReply() {
        String blocking = EmberChatModel.builder().model(model).temperature(0.0).maxTokens(32).build()
                .chat("Tell me a story.");
        StringBuilder pieces = new StringBuilder();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        EmberStreamingChatModel.builder().model(model).temperature(0.0).maxTokens(32).buildStreaming()
                .chat("Tell me a story.", new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String piece) {
                        pieces.append(piece);
                        calls.incrementAndGet();
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
        ChatResponse r = done.join();
        assertEquals(blocking, pieces.toString());
        assertEquals(blocking, r.aiMessage().text());
        assertTrue(calls.get() > 1, "streamed in pieces: " + calls.get());
        assertTrue(r.tokenUsage().outputTokenCount() <= 32);
        assertEquals(r.tokenUsage().outputTokenCount() == 32, r.finishReason() == FinishReason.LENGTH);
    }

    @Test
    void aHandlerThatThrowsCancelsAndGetsTheErrorOnce() {
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        AtomicInteger pieces = new AtomicInteger();
        EmberStreamingChatModel.builder().model(model).temperature(0.0).maxTokens(64).buildStreaming()
                .chat("Hello", new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String piece) {
                        pieces.incrementAndGet();
                        throw new IllegalStateException("stop here");
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        error.completeExceptionally(new AssertionError("completed after the handler failed"));
                    }

                    @Override
                    public void onError(Throwable e) {
                        error.complete(e);
                    }
                });
        assertInstanceOf(IllegalStateException.class, error.join());
        assertEquals(1, pieces.get(), "no piece after the failing one");
    }

    @Test
    void toolsAreRefusedClearly() {
        ChatModel chat = EmberChatModel.builder().model(model).build();
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from("Weather?"))
                .toolSpecifications(ToolSpecification.builder().name("get_weather").build()).build();
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> chat.chat(request));
        assertTrue(e.getMessage().contains("tools"), e.getMessage());
    }
}
