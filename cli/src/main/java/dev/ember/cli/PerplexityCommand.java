package dev.ember.cli;

import dev.ember.EmberException;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Perplexity;
import dev.ember.SessionOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ember perplexity}: a model's perplexity on a text with llama-perplexity's method, so the
 * numbers compare with llama.cpp's (see {@link Perplexity}). One progress line per chunk on stderr.
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity on a text file, computed as llama-perplexity does.")
final class PerplexityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
    Path model;

    @Option(names = {"-f", "--text-file"}, required = true, description = "the text to score (UTF-8)")
    Path textFile;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N", defaultValue = "512",
            description = "tokens per chunk; the second half of each is scored (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        if (ctx < 4) {
            throw new CommandLine.ParameterException(cmd, "--ctx must be at least 4, got " + ctx);
        }
        LoadOptions loadOptions = engine.loadOptions(cmd);
        engine.sessionOptions(cmd, ctx); // an unknown sparsity method is refused before the work
        String text = readText(textFile);
        PrintWriter err = cmd.getErr();
        try (Model m = EngineOptions.load(model, loadOptions)) {
            Perplexity.Progress progress = (chunk, chunks, ppl) -> {
                err.printf(Locale.ROOT, "perplexity: chunk %d/%d, running PPL %.4f%n", chunk, chunks, ppl);
                err.flush();
            };
            boolean sparse = !engine.sparsity.strip().equals(SessionOptions.DENSE);
            // with sparsity, dense on the same text too: the cost of the method is the difference
            Perplexity.Result dense = sparse ? Perplexity.compute(m, text, ctx, progress) : null;
            Perplexity.Result r = Perplexity.compute(m, text, ctx, engine.sparsity.strip(), progress);
            PrintWriter out = cmd.getOut();
            if (json) {
                Map<String, Object> root = new LinkedHashMap<>();
                root.put("ppl", r.perplexity());
                root.put("ppl_stderr", r.standardError());
                root.put("chunks", r.chunks());
                root.put("ctx", ctx);
                root.put("tokens_scored", r.tokensScored());
                root.put("text_tokens", r.textTokens());
                root.put("seconds", r.seconds());
                root.put("kernels", m.kernels());
                root.put("threads", m.threads());
                root.put("sparsity", engine.sparsity);
                if (sparse) {
                    root.put("dense_ppl", dense.perplexity());
                    root.put("ppl_increase_percent", 100 * (r.perplexity() / dense.perplexity() - 1));
                    if (r.layerSparsity().length > 0) {
                        root.put("sparsity_achieved", java.util.Arrays.stream(r.layerSparsity()).average().orElse(0));
                        root.put("layer_sparsity", r.layerSparsity());
                    }
                    if (!Double.isNaN(r.attentionSparsity())) {
                        root.put("attention_sparsity_achieved", r.attentionSparsity());
                    }
                    if (java.util.Arrays.stream(r.layerRecall()).noneMatch(Double::isNaN)) {
                        root.put("layer_recall", r.layerRecall());
                    }
                }
                out.println(Json.write(root));
            } else {
                out.printf(Locale.ROOT, "PPL = %.4f +/- %.5f (%d chunks of %d tokens, %d tokens scored of %d; "
                                + "kernels %s, %d threads, %.2f s)%n", r.perplexity(), r.standardError(), r.chunks(),
                        ctx, r.tokensScored(), r.textTokens(), m.kernels(), m.threads(), r.seconds());
                if (sparse) {
                    StringBuilder layers = new StringBuilder();
                    for (double v : r.layerSparsity()) {
                        layers.append(String.format(Locale.ROOT, " %.3f", v));
                    }
                    out.printf(Locale.ROOT, "sparsity %s: PPL %+.2f %% vs dense %.4f%s%s%n",
                            engine.sparsity.strip(), 100 * (r.perplexity() / dense.perplexity() - 1), dense.perplexity(),
                            layers.isEmpty() ? "" : "; FFN neurons skipped per layer:" + layers,
                            Double.isNaN(r.attentionSparsity()) ? "" : String.format(Locale.ROOT,
                                    "; attention projection weight bytes skipped %.3f", r.attentionSparsity()));
                    if (java.util.Arrays.stream(r.layerRecall()).noneMatch(Double::isNaN)) {
                        StringBuilder recall = new StringBuilder();
                        for (double v : r.layerRecall()) {
                            recall.append(String.format(Locale.ROOT, " %.3f", v));
                        }
                        out.printf(Locale.ROOT, "predictor recall per layer (of the neurons its labels call active):%s%n",
                                recall);
                    }
                }
            }
        }
        return 0;
    }

    private static String readText(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new EmberException("text file not found: " + file);
        }
        try {
            return Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new EmberException("text file is not valid UTF-8: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
