package dev.ember.cli;

import dev.ember.EmberException;
import dev.ember.gguf.GgufFile;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the {@code --model} file of a command, with one-line errors for the usual mistakes. */
final class ModelFile {
    private ModelFile() {
    }

    static GgufFile open(Path path) {
        if (!Files.exists(path)) {
            throw new EmberException("model file not found: " + path);
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new EmberException("not a readable file: " + path);
        }
        return GgufFile.open(path);
    }
}
