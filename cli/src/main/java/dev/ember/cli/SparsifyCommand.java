package dev.ember.cli;

import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.kernel.KernelSelection;
import dev.ember.sparsity.SparseReadyFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ember sparsify}: writes a sparse-ready model file ({@link SparseReadyFile}): the model, its profile, and
 * the sparse FFN's layouts as the kernels read them, so a sparse session maps them instead of building them.
 */
@Command(name = "sparsify", mixinStandardHelpOptions = true,
        description = "Writes a sparse-ready GGUF: the model, a chess or predictor profile, and the sparse FFN's "
                + "layouts (frequency order, neuron-major down, the kernels' bundles), used as they are at load.")
final class SparsifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "the source GGUF model")
    Path model;

    @Option(names = {"-p", "--profile"}, required = true, paramLabel = "PROFILE",
            description = "a chess or predictor profile of that model (ember calibrate)")
    Path profile;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "the file to write")
    Path output;

    @Option(names = "--attention", description = "also store the input-major attention matrices that attn:S and "
            + "attn:PROFILE (TEAL) read")
    boolean attention;

    @Option(names = "--kernels", paramLabel = "K",
            description = "scalar, simd or native (default: the best available; the bundles are that provider's)")
    String kernels;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        LoadOptions loadOptions = EngineOptions.checked(cmd, () -> {
            LoadOptions o = LoadOptions.builder().kernels(kernels).build();
            KernelSelection.select(o.kernels());
            return o;
        });
        if (!Files.isRegularFile(profile)) {
            throw new dev.ember.EmberException("profile not found: " + profile);
        }
        if (output.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize())) {
            throw new CommandLine.ParameterException(cmd, "--output must not be the model itself");
        }
        SparseReadyFile.Summary s;
        try (Model m = EngineOptions.load(model, loadOptions)) {
            s = SparseReadyFile.write(m, profile, output, attention);
        }
        PrintWriter out = cmd.getOut();
        out.printf(Locale.ROOT, "wrote %s: %.1f MB in %.1f s; %s profile, FFN rows %s, %s%s%n", output, s.bytes() / 1e6,
                s.seconds(), s.method(), s.ordered() ? "in frequency order" : "in neuron order",
                s.kernelLayout() == null ? "no kernel bundles (the kernels build them at load)"
                        : "bundles " + s.kernelLayout(), s.attention() ? "; input-major attention matrices" : "");
        out.printf("use it with: ember run --model %s --sparsity %s:%s ...%n", output, s.method(), output);
        return 0;
    }
}
