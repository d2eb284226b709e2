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

/** {@code ember demo}: tells a story with the shipped model (copied once into the cache), or runs a given one. */
class DemoCommandTest {
    @AfterEach
    void restore() {
        System.clearProperty(DemoCommand.CACHE_PROPERTY);
    }

    @Test
    void withoutAModelTellsAStoryWithTheShippedOne(@TempDir Path cache) throws IOException {
        System.setProperty(DemoCommand.CACHE_PROPERTY, cache.toString());
        CliTest.Run first = run("demo", "--threads", "2", "--max-tokens", "64");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("stories260K") && first.out().contains("dim 64"), first.out());
        assertTrue(first.out().contains("threads: 2"), first.out());
        assertTrue(first.out().matches("(?s).*ran: +\\d+ tokens generated at [0-9.]+ tok/s.*"), first.out());
        // the shipped file is the shared stories260K Q8_0, byte for byte, copied once into the cache
        Path copied = cache.resolve(DemoCommand.BUNDLED_MODEL);
        Path shared = SharedData.require("models/" + DemoCommand.BUNDLED_MODEL);
        assertEquals(-1L, Files.mismatch(copied, shared));
        // and the story is what run gives for that file with the demo's seed
        CliTest.Run story = run("run", "--model", shared.toString(), "--prompt", "Once upon a time",
                "--max-tokens", "64", "--seed", Long.toString(DemoCommand.SEED), "--threads", "2");
        assertTrue(first.out().contains(story.out().strip()), "demo:\n" + first.out() + "\nrun:\n" + story.out());
        assertTrue(story.out().split("\\s+").length > 20, "a story of words: " + story.out());
        CliTest.Run second = run("demo", "--threads", "1", "--max-tokens", "8");
        assertEquals(0, second.status(), second.err());
        try (Stream<Path> files = Files.list(cache)) {
            assertEquals(1, files.filter(p -> p.toString().endsWith(".gguf")).count());
        }
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
