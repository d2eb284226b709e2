package dev.ember.cli;

import dev.ember.EmberException;
import dev.ember.GenerationRequest;
import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.kernel.KernelSelection;
import dev.ember.sampling.SamplerSpec;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.function.Supplier;

/** The flags every command that runs a model shares: threads, kernels, sparsity (a picocli mixin). */
final class EngineOptions {
    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "0",
            description = "threads per operation (default: every core)")
    int threads;

    @Option(names = "--kernels", paramLabel = "K",
            description = "kernels: scalar, simd or native (default: the best available, or -Dember.kernels)")
    String kernels;

    @Option(names = "--sparsity", paramLabel = "SPEC", defaultValue = SessionOptions.DENSE,
            description = "sparsity: none (default), relu, chess:PROFILE, predictor:PROFILE, "
                    + "coreinfer[:ALPHA,BETA[,CAP]], synthetic:S[:gate][:zipf[=A]] (FFN); attn:S, attn:PROFILE "
                    + "(attention inputs); FFN+attn:...")
    String sparsity;

    @Option(names = "--no-repack", description = "keep no repacked copies of the weights (less memory, slower "
            + "decode with the native kernels; see docs/performance.md)")
    boolean noRepack;

    /** @return the load options; a bad value is a usage error (exit 2) naming it */
    LoadOptions loadOptions(CommandLine cmd) {
        return checked(cmd, () -> {
            LoadOptions options = LoadOptions.builder().threads(threads).kernels(kernels).repack(!noRepack).build();
            KernelSelection.select(options.kernels()); // an unknown or unusable name fails here, before loading
            return options;
        });
    }

    /** @return session options with this sparsity and the given context (0 = the model's, capped) */
    SessionOptions sessionOptions(CommandLine cmd, int contextLength) {
        return checked(cmd, () -> SessionOptions.builder().contextLength(contextLength).sparsity(sparsity).build());
    }

    /** @return the model at {@code path} (an hf:// path is fetched from the hub first) */
    static Model load(Path path, LoadOptions options) {
        return Model.load(ModelFile.resolve(path), options);
    }

    /**
     * One short untimed generation (8 greedy tokens), then an empty cache: the JIT compiles the kernels before
     * anything is timed or anyone waits. @return its seconds
     */
    static double warmUp(Session session, String prompt) {
        long t0 = System.nanoTime();
        session.generate(GenerationRequest.builder().prompt(prompt).maxTokens(8).ignoreEos(true)
                .sampler(SamplerSpec.GREEDY).build());
        session.reset();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Runs an option check, turning its EmberException into a usage error. */
    static <T> T checked(CommandLine cmd, Supplier<T> check) {
        try {
            return check.get();
        } catch (EmberException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage(), e);
        }
    }
}
