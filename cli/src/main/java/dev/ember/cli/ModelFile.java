package dev.ember.cli;

import dev.ember.EmberException;
import dev.ember.gguf.GgufFile;
import dev.ember.hub.HubClient;
import dev.ember.hub.HubRef;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the {@code --model} file of a command, with one-line errors for the usual mistakes; {@code hf://ORG/NAME/
 * FILE.gguf} is fetched from the Hugging Face hub first (or taken from its cache).
 */
final class ModelFile {
    private ModelFile() {
    }

    /** @return the local file a {@code --model} value names: itself, or the hub cache's copy of an hf:// path */
    static Path resolve(Path path) {
        if (!HubRef.isHubPath(path.toString())) {
            return path;
        }
        PrintWriter err = new PrintWriter(System.err, true);
        HubClient.Pulled pulled = HubClient.fromEnvironment().pull(HubRef.parse(path.toString()), null,
                PullCommand.progress(err));
        if (pulled.offline()) {
            err.println("ember: offline: using the cached " + pulled.path().getFileName());
        }
        return pulled.path();
    }

    static GgufFile open(Path given) {
        Path path = resolve(given);
        if (!Files.exists(path)) {
            throw new EmberException("model file not found: " + path);
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new EmberException("not a readable file: " + path);
        }
        return GgufFile.open(path);
    }
}
