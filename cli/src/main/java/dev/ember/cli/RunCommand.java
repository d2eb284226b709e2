package dev.ember.cli;

import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.Timing;
import dev.ember.model.SparsityStats;
import dev.ember.sampling.SamplerSpec;
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

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8",
            description = "sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "top-k; 0 = off (default: 40)")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "top-p; 1 = off (default: 0.95)")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "min-p; 0 = off (default: 0.05)")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "penalty for the last 64 tokens; 1 = off (default: 1.0)")
    float repeatPenalty;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "sampling seed (default: random)")
    Long seed;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N", defaultValue = "0",
            description = "context length (default: the model's, at most 4096)")
    int ctx;

    @Option(names = "--json", description = "print one JSON object instead of streaming text")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        GenerationRequest request = EngineOptions.checked(cmd, () -> {
            SamplerSpec.Builder sampler = SamplerSpec.builder().temperature(temperature).topK(topK).topP(topP)
                    .minP(minP).repeatPenalty(repeatPenalty);
            if (seed != null) {
                sampler.seed(seed);
            }
            return GenerationRequest.builder().prompt(prompt).maxTokens(maxTokens).sampler(sampler.build()).build();
        });
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
                if (stats != null) { // beyond DESIGN.md's fields: what the sparse FFN skipped, prompt and reply
                    double[] layers = new double[stats.layers()];
                    for (int l = 0; l < layers.length; l++) {
                        layers[l] = stats.sparsity(l);
                    }
                    root.put("sparsity_achieved", stats.sparsity());
                    root.put("layer_sparsity", layers);
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
                cmd.getErr().println("ember: " + summary(r) + (stats == null ? "" : String.format(Locale.ROOT,
                        "; %.1f %% of FFN neurons skipped", 100 * stats.sparsity())));
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
