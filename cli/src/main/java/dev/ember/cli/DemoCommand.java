package dev.ember.cli;

import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.model.Config;
import dev.ember.model.SyntheticModel;
import dev.ember.sampling.SamplerSpec;
import dev.ember.tensor.GgmlType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ember demo}: the README's first command. With no model it writes a small synthetic one
 * (random weights, a real llama shape) into a cache folder once, then generates from it and prints
 * what ran; {@code --model} runs a real model instead.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Show Ember generating text, with no model needed (a synthetic one is written).")
final class DemoCommand implements Callable<Integer> {
    /** The synthetic model's type and seed: fixed, so the cached file is written once and reused. */
    static final GgmlType SYNTHETIC_TYPE = GgmlType.Q8_0;
    static final long SYNTHETIC_SEED = 42;
    /** System property (then environment variable EMBER_CACHE) that moves the cache folder. */
    static final String CACHE_PROPERTY = "ember.cache";

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "a GGUF model to use instead of the synthetic one")
    Path model;

    @Option(names = {"-p", "--prompt"}, defaultValue = "Once upon a time", description = "default: ${DEFAULT-VALUE}")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "32",
            description = "tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws IOException {
        CommandLine cmd = spec.commandLine();
        PrintWriter out = cmd.getOut();
        LoadOptions loadOptions = engine.loadOptions(cmd);
        // random weights draw EOS now and then (1 in 512): the synthetic run goes on to show its speed
        GenerationRequest request = EngineOptions.checked(cmd, () -> GenerationRequest.builder().prompt(prompt)
                .maxTokens(maxTokens).sampler(SamplerSpec.builder().seed(SYNTHETIC_SEED).build())
                .ignoreEos(model == null).build());
        Path file = model;
        if (file == null) {
            out.println("Ember demo: no --model given, so it runs a synthetic model.");
            file = syntheticModel(out);
            out.println("  note:    a synthetic model has random weights, so it prints nonsense. That is expected:");
            out.println("           it shows the engine running end to end (GGUF mmap, tokenizer, kernels, sampling).");
        } else {
            out.println("Ember demo on " + file);
        }
        try (Model m = EngineOptions.load(file, loadOptions)) {
            Config c = m.config();
            out.printf(Locale.ROOT, "  model:   %s, %d layers, dim %d, %d heads (%d kv), ffn %d, vocab %d%n",
                    c.architecture(), c.layers(), c.dim(), c.heads(), c.kvHeads(), c.ffnDim(), c.vocabSize());
            out.println("  kernels: " + m.kernelReport());
            out.println("  threads: " + m.threads());
            Session session = m.newSession(engine.sessionOptions(cmd, 0));
            // the JVM compiles the kernels on first use: one short untimed run first, as a benchmark would
            long t0 = System.nanoTime();
            session.generate(GenerationRequest.builder().prompt(prompt).maxTokens(8).ignoreEos(true)
                    .sampler(SamplerSpec.GREEDY).build());
            out.printf(Locale.ROOT, "  warm-up: %.2f s (an untimed run while the JIT compiles the kernels)%n",
                    (System.nanoTime() - t0) / 1e9);
            session.reset();
            out.println();
            out.print(prompt);
            out.flush();
            GenerationResult r = session.generate(request, piece -> {
                out.print(piece);
                out.flush();
                return true;
            });
            out.println();
            out.println();
            out.printf(Locale.ROOT, "  ran:     %d tokens generated at %.1f tok/s (prompt: %d tokens at %.1f tok/s), "
                            + "kernels %s, %d threads, stop: %s%n", r.decode().tokens(), r.decode().tokensPerSecond(),
                    r.prefill().tokens(), r.prefill().tokensPerSecond(), r.kernels(), r.threads(),
                    r.stopReason().name().toLowerCase(Locale.ROOT));
        }
        out.println("Next: ./ember run --model M.gguf --prompt 'Once upon a time'   (./ember --help for more)");
        return 0;
    }

    /** @return the cached synthetic model, written now if it is not there yet */
    private static Path syntheticModel(PrintWriter out) throws IOException {
        Path dir = cacheDir();
        Path file = dir.resolve(SyntheticModel.fileName(SyntheticModel.TINY, SYNTHETIC_TYPE, SYNTHETIC_SEED));
        if (Files.isRegularFile(file)) {
            out.printf("  file:    %s (cached)%n", file);
            return file;
        }
        long t0 = System.nanoTime();
        // GgufWriter writes a temporary file and renames it: two demos at once cannot see half a file
        SyntheticModel.write(file, SyntheticModel.TINY, SYNTHETIC_TYPE, SYNTHETIC_SEED);
        out.printf(Locale.ROOT, "  file:    %s (written now with GgufWriter: %d KiB, %s, %.2f s; reused next time)%n",
                file, Files.size(file) / 1024, SYNTHETIC_TYPE, (System.nanoTime() - t0) / 1e9);
        return file;
    }

    /** @return {@code -Dember.cache}, else $EMBER_CACHE, else ~/.cache/ember, else a temp folder */
    static Path cacheDir() throws IOException {
        String configured = System.getProperty(CACHE_PROPERTY, System.getenv("EMBER_CACHE"));
        if (configured != null && !configured.isBlank()) {
            return Files.createDirectories(Path.of(configured));
        }
        try {
            Path home = Path.of(System.getProperty("user.home"), ".cache", "ember");
            Files.createDirectories(home);
            if (Files.isWritable(home)) {
                return home;
            }
        } catch (IOException | SecurityException e) {
            // a read-only or missing home: fall back to the temp folder
        }
        return Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"),
                "ember-" + System.getProperty("user.name", "user")));
    }
}
