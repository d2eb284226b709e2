package dev.ember.bench;

import dev.ember.EmberException;
import dev.ember.bench.e2e.EndToEndBench;
import dev.ember.bench.e2e.LlamaBench;
import dev.ember.bench.e2e.SyntheticCache;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * {@code ember bench}: end-to-end prefill and decode speed of one model, the machine's read bandwidth measured
 * in the same run, and the efficiency against the bandwidth bound (DESIGN.md sections 6 and 7). The bench
 * module's own main, since nothing may depend on bench; the {@code ./ember} launcher dispatches to it.
 * {@code ember bench jmh [JMH args]} runs the JMH kernel benchmarks instead.
 */
@Command(name = "ember bench", mixinStandardHelpOptions = true, version = "ember 0.1.0",
        description = {"Measure prefill and decode tokens/s against the machine's read bandwidth.",
                "'ember bench jmh [JMH options] [benchmark regexp]' runs the JMH kernel benchmarks."})
public final class BenchCli implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    /** Either a model file or a synthetic preset. */
    static final class Source {
        @Option(names = {"-m", "--model"}, required = true, description = "GGUF model file")
        Path model;

        @Option(names = "--synthetic", required = true, paramLabel = "NAME",
                description = "random-weight model of a real shape: tiny, tinyllama-1.1b, llama3.2-1b, llama2-7b")
        String synthetic;
    }

    @Option(names = "--quant", paramLabel = "TYPE",
            description = "type of a synthetic model's matrices (q4_0, q8_0, ...)")
    String quant;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "0",
            description = "threads per operation (default: every core)")
    int threads;

    @Option(names = "--prompt-tokens", paramLabel = "P", defaultValue = "128",
            description = "prefill tokens (default: 128)")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "G", defaultValue = "64", description = "decoded tokens (default: 64)")
    int genTokens;

    @Option(names = "--kernels", paramLabel = "K", description = "kernels: scalar, simd or native (default: the best)")
    String kernels;

    @Option(names = "--sparsity", paramLabel = "SPEC", defaultValue = "none", description = "none (default), relu, chess:PROFILE, predictor:PROFILE, coreinfer[:A,B[,CAP]], "
            + "synthetic:S[:gate][:zipf[=A]]; with any but none, dense decode is measured in the same process too (speedup)")
    String sparsity;

    @Option(names = "--repetitions", paramLabel = "R", defaultValue = "3",
            description = "timed repetitions, median reported (default: 3)")
    int repetitions;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "where synthetic models are kept "
            + "(default: -Dember.cache, $EMBER_CACHE or ~/.cache/ember)")
    Path cacheDir;

    @Option(names = "--background-load", paramLabel = "N", defaultValue = "0",
            description = "also measure decode while N busy threads compete for the cores, alternating with idle "
                    + "repetitions, and report the ratio (default: 0, none)")
    int backgroundLoad;

    @Option(names = "--compare-llama-bench", paramLabel = "PATH",
            description = "then run llama.cpp's llama-bench at PATH on the same file, threads, prompt and generation "
                    + "lengths, and report the ratios (llama.cpp is yours to build: never fetched or built by Ember)")
    Path llamaBench;

    @Option(names = "--no-repack", description = "keep no repacked copies of the weights (LoadOptions.repack)")
    boolean noRepack;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    /** Runs {@code ember bench} (or JMH for {@code jmh ...}) and exits with its status. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command with the given streams and returns its exit status (for tests). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new BenchCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("ember bench: " + ex.getMessage() + " (see 'ember bench --help')");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            String m = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
            cmd.getErr().println("ember bench: " + m);
            if (!(ex instanceof EmberException || ex instanceof UncheckedIOException)) {
                ex.printStackTrace(cmd.getErr()); // a bug, not bad input: show where
            }
            return 1;
        });
        int status = cli.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        if (source.synthetic != null && quant == null) {
            throw new CommandLine.ParameterException(cmd, "--synthetic needs --quant TYPE (e.g. q4_0, q8_0)");
        }
        if (source.model != null && quant != null) {
            throw new CommandLine.ParameterException(cmd,
                    "--quant applies to --synthetic only; a model file has its own");
        }
        if (promptTokens < 1 || genTokens < 1 || repetitions < 1 || threads < 0 || backgroundLoad < 0) {
            throw new CommandLine.ParameterException(cmd, "--prompt-tokens, --gen-tokens and --repetitions must be "
                    + ">= 1, --threads and --background-load >= 0");
        }
        Path file;
        String name;
        if (source.model != null) {
            file = source.model;
            name = file.getFileName().toString();
        } else {
            file = SyntheticCache.file(cacheDir != null ? cacheDir : SyntheticCache.defaultFolder(),
                    source.synthetic, quant);
            name = source.synthetic;
        }
        EndToEndBench.Result r = EndToEndBench.run(file, new EndToEndBench.Settings(threads, promptTokens, genTokens,
                kernels, sparsity, repetitions, backgroundLoad, !noRepack));
        LlamaBench.Result llama = llamaBench == null ? null
                : LlamaBench.run(llamaBench, file, r.threads(), promptTokens, genTokens, repetitions);
        BenchReport report = new BenchReport(name, r, llama);
        cmd.getOut().println(json ? report.json() : report.text());
        return 0;
    }
}
