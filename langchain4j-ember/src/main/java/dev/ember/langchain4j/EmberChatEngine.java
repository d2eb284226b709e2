package dev.ember.langchain4j;

import dev.ember.EmberException;
import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.TokenListener;
import dev.ember.chat.ChatPrompt;
import dev.ember.chat.ChatTemplate;
import dev.ember.sampling.SamplerSpec;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * What {@link EmberChatModel} and {@link EmberStreamingChatModel} share: LangChain4j messages to the model's chat
 * template, request parameters to Ember's sampler, Ember's result to a {@link ChatResponse}. Sessions are pooled:
 * a call takes a free one (or makes one) and gives it back, so calls from several threads run at once, and a
 * conversation that goes on finds its earlier turns still in a session's KV cache.
 */
final class EmberChatEngine {
    private final Model model;
    private final ChatTemplate template;
    private final SessionOptions sessionOptions;
    private final String modelName;
    private final ConcurrentLinkedDeque<Session> idle = new ConcurrentLinkedDeque<>();

    EmberChatEngine(Model model, SessionOptions sessionOptions) {
        this.model = model;
        this.template = ChatTemplate.of(model);
        this.sessionOptions = sessionOptions;
        this.modelName = model.path().getFileName().toString();
    }

    String modelName() {
        return modelName;
    }

    /** Generates the reply to a request, streaming its text to {@code listener}. */
    ChatResponse chat(ChatRequest request, TokenListener listener) {
        ChatRequestParameters p = request.parameters();
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("Ember's LangChain4j models do not call tools yet");
        }
        String prompt = template.render(messages(request.messages()), null, true, Map.of());
        GenerationRequest generation;
        try {
            int[] tokens = ChatPrompt.tokenize(model, prompt);
            generation = GenerationRequest.builder().promptTokens(tokens).sampler(sampler(p))
                    .maxTokens(p.maxOutputTokens() != null ? p.maxOutputTokens() : GenerationRequest.DEFAULT_MAX_TOKENS)
                    .stop(template.stopStrings()).stop(p.stopSequences() == null ? List.of() : p.stopSequences())
                    .build();
        } catch (EmberException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
        Session session = idle.pollFirst();
        if (session == null) {
            session = model.newSession(sessionOptions);
        }
        GenerationResult r;
        try {
            r = session.generate(generation, listener);
        } catch (EmberException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        } finally {
            idle.addFirst(session);
        }
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(r.text()))
                .modelName(modelName)
                .tokenUsage(new TokenUsage(r.promptTokens().length, r.tokens().length))
                .finishReason(r.stopReason().outOfRoom() ? FinishReason.LENGTH : FinishReason.STOP)
                .build();
    }

    private static SamplerSpec sampler(ChatRequestParameters p) {
        SamplerSpec.Builder b = SamplerSpec.builder();
        if (p.temperature() != null) {
            b.temperature(p.temperature().floatValue());
        }
        if (p.topP() != null) {
            b.topP(p.topP().floatValue());
        }
        if (p.topK() != null) {
            b.topK(p.topK());
        }
        return b.build();
    }

    /** @return LangChain4j messages as chat templates see them (the OpenAI shape) */
    static List<Map<String, Object>> messages(List<ChatMessage> messages) {
        List<Map<String, Object>> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            switch (m) {
                case SystemMessage s -> {
                    map.put("role", "system");
                    map.put("content", s.text());
                }
                case UserMessage u -> {
                    if (!u.hasSingleText()) {
                        throw new UnsupportedFeatureException("Ember takes text user messages only");
                    }
                    map.put("role", "user");
                    map.put("content", u.singleText());
                }
                case AiMessage a -> {
                    map.put("role", "assistant");
                    map.put("content", a.text() == null ? "" : a.text());
                    if (a.hasToolExecutionRequests()) {
                        List<Map<String, Object>> calls = new ArrayList<>();
                        for (ToolExecutionRequest call : a.toolExecutionRequests()) {
                            calls.add(Map.of("id", String.valueOf(call.id()), "type", "function",
                                    "function", Map.of("name", call.name(), "arguments", call.arguments())));
                        }
                        map.put("tool_calls", calls);
                    }
                }
                case ToolExecutionResultMessage t -> {
                    map.put("role", "tool");
                    map.put("tool_call_id", String.valueOf(t.id()));
                    map.put("content", t.text());
                }
                default -> throw new UnsupportedFeatureException("unsupported message type " + m.type());
            }
            out.add(map);
        }
        return out;
    }
}
