package dev.ember.cli;

import dev.ember.EmberException;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.kernel.KernelSelection;
import dev.ember.sparsity.calibrate.Calibrator;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ember calibrate}: records a model's activations on a text and writes a sparsity profile (CHESS
 * thresholds, low-rank predictors, or TEAL's attention input thresholds) for {@code --sparsity chess:PROFILE} /
 * {@code predictor:PROFILE} / {@code attn:PROFILE}.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Writes a sparsity profile (CHESS thresholds, low-rank predictors or TEAL attention thresholds) "
                + "from a calibration text.")
final class CalibrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
    Path model;

    @Option(names = {"-f", "--text-file"}, required = true, description = "the calibration text (UTF-8)")
    Path textFile;

    @Option(names = "--method", defaultValue = "chess",
            description = "chess, predictor or teal (attention inputs) (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--target-sparsity", paramLabel = "S",
            description = "share of FFN channels to skip, in (0, 1); for predictor, the CHESS labels' sparsity "
                    + "(non-ReLU models; default 0.5); for teal, the share of attention projection weight bytes "
                    + "skipped, allocated greedily over the layers")
    Double targetSparsity;

    @Option(names = "--ppl-budget", paramLabel = "P",
            description = "pick what the perplexity on the text allows, at most P percent over dense: chess and teal, "
                    + "the largest sparsity (0.10..0.95 by 0.05); predictor, the lowest recall target (0.999..0.5)")
    Double pplBudget;

    @Option(names = "--compose", paramLabel = "SPEC",
            description = "teal: the FFN method the budget is measured with (e.g. chess:P), so it covers the "
                    + "combination SPEC+attn:PROFILE")
    String compose;

    @Option(names = "--rank", paramLabel = "R", defaultValue = "128", description = "predictor rank (default: ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "20", description = "predictor epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "2048",
            description = "calibration tokens recorded at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N", defaultValue = "128",
            description = "tokens per sequence, and per perplexity chunk (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "PROFILE", description = "the profile to write")
    Path output;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "0",
            description = "worker threads (default: every core)")
    int threads;

    @Option(names = "--kernels", paramLabel = "K", description = "scalar, simd or native (default: the best available)")
    String kernels;

    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        Calibrator.Options options = EngineOptions.checked(cmd, () -> new Calibrator.Options(method,
                targetSparsity == null ? Double.NaN : targetSparsity, pplBudget == null ? Double.NaN : pplBudget,
                rank, epochs, maxTokens, ctx, compose));
        LoadOptions loadOptions = EngineOptions.checked(cmd, () -> {
            LoadOptions o = LoadOptions.builder().threads(threads).kernels(kernels).build();
            KernelSelection.select(o.kernels());
            return o;
        });
        String text = readText(textFile);
        PrintWriter err = cmd.getErr();
        Bars bars = new Bars(err, !noProgress);
        Calibrator.Summary s;
        try (Model m = EngineOptions.load(model, loadOptions)) {
            s = Calibrator.calibrate(m, text, options, output, bars);
        } finally {
            bars.close();
        }
        PrintWriter out = cmd.getOut();
        for (String line : Calibrator.describe(s)) {
            out.println(line);
        }
        if (Double.isNaN(s.sparsity())) {
            out.printf(Locale.ROOT, "wrote %s profile %s (%d calibration tokens)%n", s.method(), output, s.tokens());
        } else {
            out.printf(Locale.ROOT, "wrote %s profile %s: target sparsity %.2f (%d calibration tokens)%n", s.method(),
                    output, s.sparsity(), s.tokens());
        }
        String use = s.method().equals("teal") ? (compose == null ? "" : compose + "+") + "attn:" + output
                : s.method() + ":" + output;
        out.printf("use it with: ember run --sparsity %s ...%n", use);
        return 0;
    }

    /** One progress bar per stage on stderr (me.tongfei:progressbar), messages between them. */
    private static final class Bars implements Calibrator.Listener {
        private final PrintWriter err;
        private final boolean enabled;
        private ProgressBar bar;

        Bars(PrintWriter err, boolean enabled) {
            this.err = err;
            this.enabled = enabled;
        }

        @Override
        public void stage(String name, long total) {
            close();
            if (enabled) {
                bar = ProgressBars.on(err, name, total).build();
            }
        }

        @Override
        public void step(long done) {
            if (bar != null) {
                bar.stepTo(done);
            }
        }

        @Override
        public void message(String line) {
            if (bar != null) {
                bar.setExtraMessage(" " + line);
            } else {
                err.println("calibrate: " + line);
                err.flush();
            }
        }

        void close() {
            if (bar != null) {
                String extra = bar.getExtraMessage();
                bar.close();
                bar = null;
                if (extra != null && !extra.isBlank()) {
                    err.println("calibrate:" + extra);
                }
                err.flush();
            }
        }
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
