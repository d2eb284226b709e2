package dev.ember.cli;

import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.EmberException;
import dev.ember.model.Config;
import dev.ember.sampling.SamplerSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ember demo}: the README's first command. With no model it runs stories260K, a tiny trained
 * model shipped inside the CLI's jar (MIT, from llama2.c; copied once into the cache folder, since
 * weights are memory-mapped from a file), and prints a story; {@code --model} runs any GGUF file instead.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Tell a story with the small model shipped with Ember (or run --model M).")
final class DemoCommand implements Callable<Integer> {
    /** The model in the jar: stories260K, Q8_0 (370 KiB; its licence and attribution sit beside it). */
    static final String BUNDLED_MODEL = "stories260K-q8_0.gguf";
    static final long SEED = 42;
    /** System property (then environment variable EMBER_CACHE) that moves the cache folder. */
    static final String CACHE_PROPERTY = "ember.cache";

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, description = "a GGUF model to use instead of the shipped one")
    Path model;

    @Option(names = {"-p", "--prompt"}, defaultValue = "Once upon a time", description = "default: ${DEFAULT-VALUE}")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "200",
            description = "most tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws IOException {
        CommandLine cmd = spec.commandLine();
        PrintWriter out = cmd.getOut();
        LoadOptions loadOptions = engine.loadOptions(cmd);
        GenerationRequest request = EngineOptions.checked(cmd, () -> GenerationRequest.builder().prompt(prompt)
                .maxTokens(maxTokens).sampler(SamplerSpec.builder().seed(SEED).build()).build());
        Path file = model;
        if (file == null) {
            file = bundledModel();
            out.println("Ember demo: stories260K, a 260K-parameter Llama-2 model trained on TinyStories "
                    + "(llama2.c, MIT),");
            out.println("  shipped with Ember; ./ember demo --model M.gguf runs any other GGUF file.");
            out.println("  file:    " + file);
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
            out.printf(Locale.ROOT, "  warm-up: %.2f s (an untimed run while the JIT compiles the kernels)%n",
                    EngineOptions.warmUp(session, prompt));
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
        out.println("Next: ./ember chat --model M.gguf, ./ember serve --model M.gguf   (./ember --help for more)");
        return 0;
    }

    /** @return the shipped model as a file in the cache folder (copied from the jar once; mmap needs a file) */
    static Path bundledModel() throws IOException {
        Path file = cacheDir().resolve(BUNDLED_MODEL);
        try (InputStream in = DemoCommand.class.getResourceAsStream("demo/" + BUNDLED_MODEL)) {
            if (in == null) {
                throw new EmberException("the demo model is missing from the jar (demo/" + BUNDLED_MODEL
                        + "); rebuild, or run ./ember demo --model M.gguf");
            }
            byte[] bytes = in.readAllBytes();
            if (!Files.isRegularFile(file) || Files.size(file) != bytes.length
                    || !Arrays.equals(Files.readAllBytes(file), bytes)) {
                // a temporary file renamed into place: two demos at once never see half a file
                Path tmp = Files.createTempFile(file.getParent(), BUNDLED_MODEL, ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
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
