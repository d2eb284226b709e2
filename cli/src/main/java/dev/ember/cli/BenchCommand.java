package dev.ember.cli;

import dev.ember.EmberException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Unmatched;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ember bench}: listed here so that {@code ember --help} shows every command. The benchmarks live in
 * the bench module, on which nothing depends (DESIGN.md section 2): the launcher runs its main directly, and
 * this command hands over to it when it is on the class path.
 */
@Command(name = "bench", description = "Measure speed: end to end (prefill, decode, sparsity speedup) or JMH "
        + "kernels (bench jmh); ./ember bench --help for its options.")
final class BenchCommand implements Callable<Integer> {
    /** The bench module's entry point. */
    static final String BENCH_MAIN = "dev.ember.bench.BenchCli";

    @Spec
    CommandSpec spec;

    /** Everything after {@code bench}, passed on as it is (its --help included). */
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Class<?> main;
        try {
            main = Class.forName(BENCH_MAIN);
        } catch (ClassNotFoundException e) {
            throw new EmberException("the bench module is not on the class path: run it as ./ember bench "
                    + String.join(" ", args));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return (Integer) main.getMethod("run", PrintWriter.class, PrintWriter.class, String[].class)
                    .invoke(null, out, err, args.toArray(String[]::new));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
