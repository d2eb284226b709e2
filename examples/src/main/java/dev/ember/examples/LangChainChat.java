package dev.ember.examples;

import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.langchain4j.EmberChatModel;
import dev.ember.langchain4j.EmberStreamingChatModel;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Ember behind LangChain4j, in process: the app talks to {@link ChatModel} / {@code StreamingChatModel} as it
 * would to any provider, and the model runs here, on the CPU, from a GGUF file.
 *
 * <pre>
 * java -cp ... dev.ember.examples.LangChainChat model.gguf "Tell me a story."
 * </pre>
 */
public final class LangChainChat {
    private LangChainChat() {
    }

    /** @param args the model file, then an optional question */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: LangChainChat MODEL.gguf [QUESTION]");
            System.exit(2);
        }
        run(Path.of(args[0]), args.length > 1 ? args[1] : "Tell me a short story.", System.out);
    }

    /** Asks once blocking, once streaming; @return the streamed response */
    public static ChatResponse run(Path modelFile, String question, PrintStream out) {
        try (Model model = Model.load(modelFile, LoadOptions.builder().threads(2).build())) {
            // blocking: one call, one answer (temperature 0: greedy, the same answer every time)
            ChatModel chat = EmberChatModel.builder().model(model).temperature(0.0).maxTokens(48).build();
            out.println("blocking:  " + chat.chat(question));

            // streaming: pieces as they are generated, then the whole response with token usage
            EmberStreamingChatModel streaming = EmberStreamingChatModel.builder().model(model).temperature(0.0)
                    .maxTokens(48).buildStreaming();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            out.print("streaming: ");
            streaming.chat(java.util.List.of(SystemMessage.from("You tell stories."), UserMessage.from(question)),
                    new StreamingChatResponseHandler() {
                        @Override
                        public void onPartialResponse(String piece) {
                            out.print(piece);
                            out.flush();
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
            ChatResponse response = done.join();
            out.printf("%n%s: %d prompt tokens, %d reply tokens, finish %s%n", response.modelName(),
                    response.tokenUsage().inputTokenCount(), response.tokenUsage().outputTokenCount(),
                    response.finishReason());
            return response;
        }
    }
}
