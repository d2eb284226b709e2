package dev.ember;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds Ember's reference data, {@code ../shared} beside the project root (or {@code EMBER_SHARED}),
 * for tests. When it is absent a test is skipped with a message saying where it looked, except
 * under {@code CI=true}, where missing reference data is a failure: CI must never pass by skipping.
 */
public final class SharedData {
    private SharedData() {
    }

    /** @return the shared folder, or null if it cannot be found */
    public static Path rootOrNull() {
        String env = System.getenv("EMBER_SHARED");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isDirectory(p) ? p.toAbsolutePath().normalize() : null;
        }
        String root = System.getProperty("ember.project.root");
        Path start = root != null ? Path.of(root) : Path.of("").toAbsolutePath();
        // walk up from the project (or module) directory: ../shared sits beside the checkout
        for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (dir.getParent() != null && Files.isDirectory(candidate.resolve("models"))) {
                return candidate.normalize();
            }
        }
        return null;
    }

    /**
     * @param relative a path inside the shared folder, e.g. {@code models/stories260K-f32.gguf}
     * @return the file; skips the test (fails it under CI=true) if the folder or file is missing
     */
    public static Path require(String relative) {
        Path root = rootOrNull();
        String where = System.getenv("EMBER_SHARED") != null ? "EMBER_SHARED=" + System.getenv("EMBER_SHARED")
                : "../shared beside the project";
        Required.that(root != null, "reference data not found (looked for " + where + "); set EMBER_SHARED to run"
                + " this test");
        Path p = root.resolve(relative);
        Required.that(Files.exists(p), "reference file " + p + " is missing");
        return p;
    }
}
