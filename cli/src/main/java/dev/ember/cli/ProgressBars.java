package dev.ember.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** The CLI's progress bars (me.tongfei:progressbar): ASCII, on the command's error writer, updated as they go. */
final class ProgressBars {
    private ProgressBars() {
    }

    /** @return a builder for a bar named {@code task} up to {@code max}, drawn on {@code err} */
    static ProgressBarBuilder on(PrintWriter err, String task, long max) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(new WriterStream(err), true)))
                .continuousUpdate();
    }

    /** Bytes to a writer as UTF-8 text: the progress bar library prints to streams. */
    private static final class WriterStream extends OutputStream {
        private final PrintWriter w;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        WriterStream(PrintWriter w) {
            this.w = w;
        }

        @Override
        public void write(int b) {
            buf.write(b);
        }

        @Override
        public void flush() {
            w.print(buf.toString(StandardCharsets.UTF_8));
            buf.reset();
            w.flush();
        }
    }
}
