package dev.ember.hub;

import dev.ember.EmberException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Hugging Face hub's cache layout, shared with {@code huggingface_hub} and every tool built on it:
 * <pre>
 * $HF_HUB_CACHE (default $HF_HOME/hub, default ~/.cache/huggingface/hub)
 *   models--ORG--NAME/
 *     blobs/ETAG                      the bytes (ETAG: the SHA-256 of an LFS file)
 *     refs/REVISION                   the commit a branch or tag pointed to when last asked
 *     snapshots/COMMIT/FILE -> ../../blobs/ETAG
 * </pre>
 */
public final class HubCache {
    private final Path root;

    /** @param root the hub cache folder */
    public HubCache(Path root) {
        this.root = root;
    }

    /**
     * @return the cache huggingface_hub would use: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub
     *         (the system property {@code ember.hf.cache} first, for tests)
     */
    public static HubCache fromEnvironment() {
        String hubCache = System.getProperty("ember.hf.cache", System.getenv("HF_HUB_CACHE"));
        if (hubCache != null && !hubCache.isBlank()) {
            return new HubCache(Path.of(hubCache));
        }
        String home = System.getenv("HF_HOME");
        Path base = home != null && !home.isBlank() ? Path.of(home)
                : Path.of(System.getProperty("user.home"), ".cache", "huggingface");
        return new HubCache(base.resolve("hub"));
    }

    /** @return the cache folder */
    public Path root() {
        return root;
    }

    /** @return the folder of a repo: {@code models--ORG--NAME} */
    Path repo(String repo) {
        return root.resolve("models--" + repo.replace("/", "--"));
    }

    /** @return where the blob with this ETag lives */
    Path blob(String repo, String etag) {
        return repo(repo).resolve("blobs").resolve(etag);
    }

    /** Records that {@code revision} points at {@code commit} (nothing to record when it is the commit). */
    void writeRef(String repo, String revision, String commit) {
        if (revision.equals(commit)) {
            return;
        }
        try {
            Path ref = repo(repo).resolve("refs").resolve(revision);
            Files.createDirectories(ref.getParent());
            Files.writeString(ref, commit);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + root + ": " + e.getMessage(), e);
        }
    }

    /** @return the snapshot path of {@code file}, linked to its blob (a copy where links cannot be made) */
    Path link(String repo, String commit, String file, String etag) {
        Path snapshot = repo(repo).resolve("snapshots").resolve(commit).resolve(file);
        Path blob = blob(repo, etag);
        try {
            Files.createDirectories(snapshot.getParent());
            if (Files.exists(snapshot)) {
                return snapshot;
            }
            try {
                Files.createSymbolicLink(snapshot, snapshot.getParent().relativize(blob));
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(blob, snapshot, StandardCopyOption.REPLACE_EXISTING);
            }
            return snapshot;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param file  a file name, or null for the snapshot's GGUF that {@link HubClient#pickGguf} would pick
     * @param quant the quantization to pick when no file is named (null: Q4_K_M)
     * @return the cached file of {@code repo} at {@code revision}, if the cache holds it
     */
    Optional<Path> find(String repo, String revision, String file, String quant) {
        try {
            String commit = revision.matches("[0-9a-f]{40}") ? revision : null;
            Path ref = repo(repo).resolve("refs").resolve(revision);
            if (commit == null && Files.isRegularFile(ref)) {
                commit = Files.readString(ref).strip();
            }
            if (commit == null) {
                return Optional.empty();
            }
            Path snapshot = repo(repo).resolve("snapshots").resolve(commit);
            if (file != null) {
                Path f = snapshot.resolve(file);
                return Files.isRegularFile(f) ? Optional.of(f) : Optional.empty();
            }
            if (!Files.isDirectory(snapshot)) {
                return Optional.empty();
            }
            List<String> ggufs;
            try (Stream<Path> s = Files.list(snapshot)) {
                ggufs = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".gguf")).sorted().toList();
            }
            try {
                return Optional.of(snapshot.resolve(HubClient.pickGguf(ggufs, quant, repo)));
            } catch (EmberException none) {
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
