package dev.ember.langchain4j;

import dev.ember.GenerationCancelledException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

/**
 * LangChain4j's {@link StreamingChatModel} over a loaded Ember model, in process: the reply's text reaches
 * {@link StreamingChatResponseHandler#onPartialResponse(String)} as it is generated (never splitting a UTF-8
 * character), then {@code onCompleteResponse} gets the whole response with token usage. The handler runs on
 * the calling thread; a handler that throws cancels the generation and the exception goes to {@code onError}.
 * Built by {@link EmberChatModel.Builder#buildStreaming()}.
 */
public final class EmberStreamingChatModel implements StreamingChatModel {
    private final EmberChatEngine engine;
    private final ChatRequestParameters defaults;

    EmberStreamingChatModel(EmberChatModel.Builder b) {
        this.engine = b.engine();
        this.defaults = b.defaults(engine.modelName());
    }

    /** @return the builder both Ember chat models share */
    public static EmberChatModel.Builder builder() {
        return EmberChatModel.builder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        RuntimeException[] failed = {null};
        ChatResponse response;
        try {
            response = engine.chat(request, piece -> {
                try {
                    handler.onPartialResponse(piece);
                    return true;
                } catch (RuntimeException e) {
                    failed[0] = e;
                    throw new GenerationCancelledException();
                }
            });
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        if (failed[0] != null) {
            handler.onError(failed[0]);
        } else {
            handler.onCompleteResponse(response);
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return defaults;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }
}
