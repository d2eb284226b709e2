package dev.ember.cli;

import dev.ember.hub.HubClient;
import dev.ember.hub.HubRef;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code ember pull}: fetches a GGUF from the Hugging Face hub into the hub's cache (shared with huggingface_hub
 * and the tools built on it) and prints its path. {@code --model hf://ORG/NAME/FILE.gguf} does the same wherever
 * a model is expected.
 */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Download a GGUF from the Hugging Face hub (ORG/NAME: its Q4_K_M file; ORG/NAME:QUANT; "
                + "ORG/NAME/FILE.gguf) into the hub's cache; HF_TOKEN for gated repos, HF_HUB_OFFLINE=1 to stay "
                + "offline.")
final class PullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REPO[/FILE]", description = "ORG/NAME, ORG/NAME:QUANT or ORG/NAME/FILE.gguf")
    String what;

    @Option(names = "--revision", paramLabel = "R", defaultValue = "main",
            description = "branch, tag or commit (default: ${DEFAULT-VALUE})")
    String revision;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        HubRef ref = EngineOptions.checked(spec.commandLine(), () -> HubRef.parse(what));
        HubClient.Pulled pulled = HubClient.fromEnvironment().pull(ref, revision, progress(err));
        if (pulled.offline()) {
            err.println("ember: offline: using the cached " + pulled.path().getFileName());
        } else if (!pulled.downloaded()) {
            err.println("ember: already in the cache, checked against the hub");
        }
        err.flush();
        spec.commandLine().getOut().println(pulled.path());
        return 0;
    }

    /** @return a progress bar on {@code err} for each download (me.tongfei:progressbar) */
    static HubClient.Progress progress(PrintWriter err) {
        return new HubClient.Progress() {
            private ProgressBar bar;

            @Override
            public void start(String file, long total, long resumedFrom) {
                boolean large = total >= 100L << 20;
                bar = ProgressBars.on(err, file + (resumedFrom > 0 ? " (resumed)" : ""), total)
                        .setUnit(large ? " MiB" : " KiB", large ? 1 << 20 : 1 << 10).showSpeed()
                        .startsFrom(resumedFrom, java.time.Duration.ZERO).build();
            }

            @Override
            public void advance(long done) {
                bar.stepTo(done);
            }

            @Override
            public void end() {
                if (bar != null) {
                    bar.close();
                    bar = null;
                }
            }
        };
    }
}
