package dev.ember.cli;

import dev.ember.EmberException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * The {@code ember} command line. Each subcommand is one class; errors a user can cause (bad flags,
 * bad files) print one line on stderr and exit non-zero, never a stack trace.
 */
@Command(name = "ember", mixinStandardHelpOptions = true, version = "ember 0.1.0",
        description = "Pure-Java inference for GGUF transformer models, with sparse activation.",
        subcommands = {DemoCommand.class, RunCommand.class, ChatCommand.class, ServeCommand.class,
                TemplateCommand.class, PullCommand.class, PerplexityCommand.class, CalibrateCommand.class, SparsifyCommand.class, BenchCommand.class, InspectCommand.class,
                TokenizeCommand.class, CommandLine.HelpCommand.class})
public final class EmberCli {
    /** Exit code for a bad file or input the command could not use. */
    static final int EXIT_ERROR = 1;
    /** Exit code for invalid options (picocli's usage error code). */
    static final int EXIT_USAGE = 2;

    private EmberCli() {
    }

    /** Runs the CLI and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI on stdout/stderr and returns its exit status. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the CLI with the given streams and returns its exit status (for tests and embedding). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new EmberCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            // an unknown flag usually also leaves a required option missing: name the typo, not the symptom
            String message = cmd.getUnmatchedArguments().isEmpty() ? ex.getMessage()
                    : "unknown option or argument: " + String.join(" ", cmd.getUnmatchedArguments());
            cmd.getErr().println("ember: " + message + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("ember: " + userMessage(ex));
            if (!(ex instanceof EmberException || ex instanceof UncheckedIOException)) {
                ex.printStackTrace(cmd.getErr()); // a bug, not bad input: show where
            }
            return EXIT_ERROR;
        });
        int status = cli.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    private static String userMessage(Exception ex) {
        String m = ex.getMessage();
        return m != null ? m : ex.getClass().getSimpleName();
    }
}
