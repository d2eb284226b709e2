package dev.ember.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Bytes to a command's writer as UTF-8 text, for libraries that print to streams (progress bars). */
final class WriterStream extends OutputStream {
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
