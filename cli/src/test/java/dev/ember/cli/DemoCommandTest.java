package dev.ember.cli;

import dev.ember.SharedData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.ember.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember demo}: works with no model (a synthetic one written once into the cache), or with one. */
class DemoCommandTest {
    @AfterEach
    void restore() {
        System.clearProperty(DemoCommand.CACHE_PROPERTY);
    }

    @Test
    void runsWithoutAModelWritingTheSyntheticOneOnce(@TempDir Path cache) throws IOException {
        System.setProperty(DemoCommand.CACHE_PROPERTY, cache.toString());
        CliTest.Run first = run("demo", "--threads", "2");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("written now"), first.out());
        assertTrue(first.out().contains("prints nonsense"), "says plainly that the output is nonsense");
        assertTrue(first.out().contains("kernels: ") && first.out().contains("threads: 2"), first.out());
        assertTrue(first.out().matches("(?s).*ran: +32 tokens generated at [0-9.]+ tok/s.*"), first.out());
        try (Stream<Path> files = Files.list(cache)) {
            assertEquals(1, files.filter(p -> p.toString().endsWith(".gguf")).count());
        }
        CliTest.Run second = run("demo", "--threads", "1", "--max-tokens", "8");
        assertEquals(0, second.status(), second.err());
        assertTrue(second.out().contains("(cached)"), second.out());
        assertTrue(second.out().matches("(?s).*ran: +8 tokens generated.*"), second.out());
    }

    @Test
    void usesAGivenModel() {
        CliTest.Run r = run("demo", "--model", SharedData.require("models/stories260K-q8_0.gguf").toString(),
                "--threads", "1");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("Once upon a time") && r.out().contains("dim 64"), r.out());
        assertTrue(!r.out().contains("nonsense"), r.out());
        CliTest.Run missing = run("demo", "--model", "/no/model.gguf");
        assertEquals(1, missing.status());
        assertEquals("ember: model file not found: /no/model.gguf", missing.err().strip());
    }
}
