package dev.ember.langchain4j;

import dev.ember.Model;
import dev.ember.SessionOptions;
import dev.ember.TokenListener;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;

/**
 * LangChain4j's {@link ChatModel} over a loaded Ember {@link Model}, in process: no server, no HTTP. The
 * conversation is rendered with the model's own chat template; sampling follows the request's parameters over
 * the defaults given here (llama.cpp's defaults for anything unset).
 *
 * <pre>
 * try (Model model = Model.load(Path.of("qwen2.5-0.5b-instruct-q4_0.gguf"))) {
 *     ChatModel chat = EmberChatModel.builder().model(model).temperature(0.0).maxTokens(128).build();
 *     System.out.println(chat.chat("Say hello in French."));
 * }
 * </pre>
 *
 * Thread-safe: concurrent calls run on sessions of their own. The caller owns the model and closes it.
 */
public final class EmberChatModel implements ChatModel {
    private final EmberChatEngine engine;
    private final ChatRequestParameters defaults;

    private EmberChatModel(Builder b) {
        this.engine = b.engine();
        this.defaults = b.defaults(engine.modelName());
    }

    /** @return a builder; {@link Builder#model} is required */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return engine.chat(request, TokenListener.NONE);
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return defaults;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** Builds an {@link EmberChatModel} or an {@link EmberStreamingChatModel}. */
    public static final class Builder {
        Model model;
        SessionOptions sessionOptions = SessionOptions.defaults();
        Double temperature;
        Double topP;
        Integer topK;
        Integer maxTokens;

        Builder() {
        }

        /** @return this, with the loaded model to chat with (required) */
        public Builder model(Model value) {
            model = value;
            return this;
        }

        /** @return this, with the sessions' options (context length, sparsity) */
        public Builder sessionOptions(SessionOptions value) {
            sessionOptions = value;
            return this;
        }

        /** @return this, with the default temperature (0 = greedy) */
        public Builder temperature(Double value) {
            temperature = value;
            return this;
        }

        /** @return this, with the default top-p */
        public Builder topP(Double value) {
            topP = value;
            return this;
        }

        /** @return this, with the default top-k */
        public Builder topK(Integer value) {
            topK = value;
            return this;
        }

        /** @return this, with the default most tokens per reply */
        public Builder maxTokens(Integer value) {
            maxTokens = value;
            return this;
        }

        /** @return the blocking chat model */
        public EmberChatModel build() {
            check();
            return new EmberChatModel(this);
        }

        /** @return the streaming chat model */
        public EmberStreamingChatModel buildStreaming() {
            check();
            return new EmberStreamingChatModel(this);
        }

        EmberChatEngine engine() {
            return new EmberChatEngine(model, sessionOptions);
        }

        ChatRequestParameters defaults(String modelName) {
            return DefaultChatRequestParameters.builder().modelName(modelName).temperature(temperature).topP(topP)
                    .topK(topK).maxOutputTokens(maxTokens).build();
        }

        private void check() {
            if (model == null) {
                throw new IllegalStateException("EmberChatModel.builder().model(...) is required: a loaded Model");
            }
        }
    }
}
