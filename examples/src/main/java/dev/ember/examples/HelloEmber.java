package dev.ember.examples;

import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.sampling.SamplerSpec;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The API tour: load a model, open a session, stream a generation, print the speed.
 *
 * <pre>
 * java -cp ... dev.ember.examples.HelloEmber model.gguf "Once upon a time"
 * </pre>
 */
public final class HelloEmber {
    private HelloEmber() {
    }

    /** @param args the model file, then an optional prompt */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: HelloEmber MODEL.gguf [PROMPT]");
            System.exit(2);
        }
        run(Path.of(args[0]), args.length > 1 ? args[1] : "Once upon a time", System.out);
    }

    /** Generates from {@code prompt} with the model at {@code path}, streaming to {@code out}. */
    public static GenerationResult run(Path path, String prompt, PrintStream out) {
        // a model is loaded once (weights stay memory-mapped) and shared; defaults: every core, best kernels
        try (Model model = Model.load(path, LoadOptions.builder().threads(2).build())) {
            // a session owns one conversation's KV cache; named options, each with a default
            Session session = model.newSession(SessionOptions.builder().contextLength(512).build());

            GenerationRequest request = GenerationRequest.builder()
                    .prompt(prompt)
                    .maxTokens(64)
                    .sampler(SamplerSpec.builder().temperature(0.7f).topP(0.9f).seed(42).build())
                    .stop("\n\n")
                    .build();

            out.print(prompt);
            GenerationResult result = session.generate(request, piece -> {
                out.print(piece);   // pieces never split a UTF-8 character
                out.flush();
                return true;        // false would stop here
            });

            out.printf("%n%d tokens at %.1f tok/s (prompt %.1f tok/s), %s kernels on %d threads, stopped: %s%n",
                    result.decode().tokens(), result.decode().tokensPerSecond(),
                    result.prefill().tokensPerSecond(), result.kernels(), result.threads(), result.stopReason());
            return result;
        }
    }
}
