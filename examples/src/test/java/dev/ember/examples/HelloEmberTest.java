package dev.ember.examples;

import dev.ember.GenerationResult;
import dev.ember.SharedData;
import dev.ember.StopReason;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API tour runs as the README shows it. */
class HelloEmberTest {
    @Test
    void loadsGeneratesStreamsAndReportsSpeed() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        GenerationResult r = HelloEmber.run(SharedData.require("models/stories260K-f32.gguf"), "Once upon a time", out);
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(printed.startsWith("Once upon a time" + r.text()), printed);
        assertTrue(r.stopReason() == StopReason.MAX_TOKENS || r.stopReason() == StopReason.STOP_STRING
                || r.stopReason() == StopReason.EOS, r.stopReason().toString());
        assertTrue(r.tokens().length > 0 && r.tokens().length <= 64);
        assertTrue(printed.matches("(?s).*\\d+ tokens at [0-9.]+ tok/s .* kernels on 2 threads, stopped: \\w+\\s*"),
                printed);
        assertEquals(HelloEmber.run(SharedData.require("models/stories260K-f32.gguf"), "Once upon a time",
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).text(), r.text(),
                "seeded: the same text every run");
    }
}
