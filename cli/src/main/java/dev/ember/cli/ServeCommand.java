package dev.ember.cli;

import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.SessionOptions;
import dev.ember.server.OpenAiServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ember serve}: an OpenAI-compatible HTTP server ({@link OpenAiServer}) for one model, until the
 * process is stopped (Ctrl-C stops it cleanly).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, "
                + "/v1/models, /health, /apply-template).")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
    Path model;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address to bind (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface)")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port (default: ${DEFAULT-VALUE}; 0: any free one)")
    int port;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N",
            description = "requests generating at once (default: cores / threads, so sessions do not share cores; "
                    + "--threads 1 --parallel <cores> gives the most tokens per second, see docs/serving.md)")
    Integer parallel;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "" + OpenAiServer.Options.DEFAULT_QUEUE,
            description = "requests that may wait for a free session before the server answers 503 "
                    + "(default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "require 'Authorization: Bearer KEY' (default: $EMBER_API_KEY, else no key)")
    String apiKey;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N", defaultValue = "0",
            description = "context length of each session (default: the model's, at most 4096)")
    int ctx;

    @Mixin
    TemplateOption templateOption;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine cmd = spec.commandLine();
        LoadOptions loadOptions = engine.loadOptions(cmd);
        int sessions = parallel != null ? parallel
                : OpenAiServer.Options.defaults(loadOptions.resolvedThreads()).parallel();
        String key = apiKey != null ? apiKey : System.getenv("EMBER_API_KEY");
        OpenAiServer.Options options = EngineOptions.checked(cmd, () -> new OpenAiServer.Options(host, port, sessions,
                queue, key, ctx, engine.sessionOptions(cmd, ctx).sparsity(), templateOption.source()));
        PrintWriter err = cmd.getErr();
        try (Model m = EngineOptions.load(model, loadOptions)) {
            // before the port opens, so the first client does not wait for the JIT (llama-server warms up too)
            double warmUp = EngineOptions.warmUp(m.newSession(SessionOptions.builder().contextLength(64).build()),
                    "Hello");
            serve(m, options, warmUp, err);
        }
        return 0;
    }

    private void serve(Model m, OpenAiServer.Options options, double warmUp, PrintWriter err)
            throws InterruptedException {
        try (OpenAiServer server = OpenAiServer.start(m, options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "ember-serve-stop"));
            err.printf(Locale.ROOT, "ember serve: %s%n  template: %s%n  %d parallel sessions, queue %d, context %s%s; "
                            + "warm-up %.2f s%n  listening on http://%s:%d/v1 (Ctrl-C stops)%n", m, server.template(),
                    options.parallel(), options.queue(), ctx > 0 ? ctx + " tokens" : "the model's",
                    options.apiKey() != null ? ", API key required" : "", warmUp, host.contains(":") ? "[" + host + "]" : host,
                    server.port());
            err.flush();
            server.join();
        }
    }
}
