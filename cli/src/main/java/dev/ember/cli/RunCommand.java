package dev.ember.cli;

import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.Timing;
import dev.ember.model.SparsityStats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ember run}: generate text from a prompt, streamed to stdout with a speed summary on stderr,
 * or as one JSON object with {@code --json} (DESIGN.md section 6).
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Generate text from a prompt.")
final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "the prompt text")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "" + GenerationRequest.DEFAULT_MAX_TOKENS,
            description = "most tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N", defaultValue = "0",
            description = "context length (default: the model's, at most 4096)")
    int ctx;

    @Option(names = "--json", description = "print one JSON object instead of streaming text")
    boolean json;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        GenerationRequest request = EngineOptions.checked(cmd, () -> GenerationRequest.builder().prompt(prompt)
                .maxTokens(maxTokens).sampler(sampling.sampler()).build());
        LoadOptions loadOptions = engine.loadOptions(cmd);
        SessionOptions sessionOptions = engine.sessionOptions(cmd, ctx);
        PrintWriter out = cmd.getOut();
        try (Model m = EngineOptions.load(model, loadOptions)) {
            Session session = m.newSession(sessionOptions);
            GenerationResult r;
            if (json) {
                r = session.generate(request);
                Map<String, Object> root = toJson(r);
                SparsityStats stats = session.sparsityStats();
                if (stats != null && stats.countsFfn()) { // beyond DESIGN.md's fields: what the sparse FFN skipped
                    double[] layers = new double[stats.layers()];
                    for (int l = 0; l < layers.length; l++) {
                        layers[l] = stats.sparsity(l);
                    }
                    root.put("sparsity_achieved", stats.sparsity());
                    root.put("layer_sparsity", layers);
                }
                if (stats != null && !Double.isNaN(stats.attentionSparsity())) {
                    root.put("attention_sparsity_achieved", stats.attentionSparsity());
                }
                out.println(Json.write(root));
            } else {
                out.print(prompt);
                out.flush();
                r = session.generate(request, piece -> {
                    out.print(piece);
                    out.flush();
                    return true;
                });
                out.println();
                SparsityStats stats = session.sparsityStats();
                cmd.getErr().println("ember: " + summary(r) + (stats == null || !stats.countsFfn() ? ""
                        : String.format(Locale.ROOT, "; %.1f %% of FFN neurons skipped", 100 * stats.sparsity()))
                        + (stats == null || Double.isNaN(stats.attentionSparsity()) ? "" : String.format(Locale.ROOT,
                        "; %.1f %% of attention projection weight bytes skipped", 100 * stats.attentionSparsity())));
            }
        }
        return 0;
    }

    /** @return the one-line speed summary: prompt and generation speed, what ran, why it stopped */
    static String summary(GenerationResult r) {
        return String.format(Locale.ROOT, "prompt %d tokens (%.1f tok/s), generated %d tokens in %.2f s (%.1f tok/s); "
                        + "kernels %s, %d threads, sparsity %s; stop: %s",
                r.prefill().tokens(), r.prefill().tokensPerSecond(), r.decode().tokens(), r.decode().seconds(),
                r.decode().tokensPerSecond(), r.kernels(), r.threads(), r.sparsity(),
                r.stopReason().name().toLowerCase(Locale.ROOT));
    }

    /** @return DESIGN.md's run object, keys in its order */
    static Map<String, Object> toJson(GenerationResult r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("prompt_tokens", r.promptTokens());
        root.put("tokens", r.tokens());
        root.put("text", r.text());
        root.put("stop_reason", r.stopReason().name().toLowerCase(Locale.ROOT));
        root.put("prefill", timing(r.prefill()));
        root.put("decode", timing(r.decode()));
        root.put("kernels", r.kernels());
        root.put("threads", r.threads());
        root.put("sparsity", r.sparsity());
        return root;
    }

    private static Map<String, Object> timing(Timing t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", t.tokens());
        m.put("seconds", t.seconds());
        m.put("tokens_per_second", t.tokensPerSecond());
        return m;
    }
}
