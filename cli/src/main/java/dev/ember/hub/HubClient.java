package dev.ember.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.EmberException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Downloads GGUF files from the Hugging Face hub into the hub's own cache layout ({@link HubCache}), as
 * {@code huggingface_hub} does, so that files fetched by other tools are reused and ours are theirs: a HEAD on
 * {@code /{repo}/resolve/{revision}/{file}} (redirects not followed) gives the commit ({@code X-Repo-Commit}), the
 * blob's id ({@code X-Linked-Etag} for LFS files: their SHA-256) and size; the bytes come from where it redirects,
 * resumed with a Range request from a partial {@code .incomplete} blob; the SHA-256 is checked before the file
 * is linked into the snapshot. {@code HF_TOKEN} is sent as a bearer token. When the hub cannot be reached (or
 * {@code HF_HUB_OFFLINE} is set) a cached file is used.
 */
public final class HubClient {
    /** Where the hub is, unless {@code HF_ENDPOINT} says otherwise. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    /** What a download reports as it goes. */
    public interface Progress {
        /** A download of {@code total} bytes starts, {@code resumedFrom} of them already on disk. */
        void start(String file, long total, long resumedFrom);

        /** {@code done} bytes of the file are on disk. */
        void advance(long done);

        /** The download finished (or failed). */
        void end();

        /** Reports nothing. */
        Progress NONE = new Progress() {
            @Override
            public void start(String file, long total, long resumedFrom) {
            }

            @Override
            public void advance(long done) {
            }

            @Override
            public void end() {
            }
        };
    }

    /**
     * A resolved file.
     *
     * @param path       the file in the cache's snapshot folder
     * @param downloaded whether bytes were fetched now (false: it was cached)
     * @param offline    whether the hub could not be asked (the cached file was taken as it is)
     */
    public record Pulled(Path path, boolean downloaded, boolean offline) {
    }

    private final String endpoint;
    private final String token;
    private final boolean offline;
    private final HubCache cache;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param endpoint the hub's base URL, e.g. {@link #DEFAULT_ENDPOINT}
     * @param token    a Hugging Face token for gated or private repos, or null
     * @param offline  never ask the hub: use what the cache holds
     * @param cache    where files go
     */
    public HubClient(String endpoint, String token, boolean offline, HubCache cache) {
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.offline = offline;
        this.cache = cache;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** @return a client configured as huggingface_hub is: HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, HF_HOME */
    public static HubClient fromEnvironment() {
        String endpoint = System.getProperty("ember.hf.endpoint", env("HF_ENDPOINT", DEFAULT_ENDPOINT));
        String offline = env("HF_HUB_OFFLINE", "0");
        return new HubClient(endpoint, env("HF_TOKEN", null),
                offline.equals("1") || offline.equalsIgnoreCase("true"), HubCache.fromEnvironment());
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /**
     * Resolves a file of a repo to a local path, downloading it when the cache does not hold it.
     *
     * @param ref      the repo and the file (or the quantization to pick; Q4_K_M when neither is given)
     * @param revision a branch, tag or commit ("main" by default)
     */
    public Pulled pull(HubRef ref, String revision, Progress progress) {
        checkRepo(ref.repo());
        String rev = revision == null || revision.isBlank() ? "main" : revision;
        if (offline) {
            return cachedOrFail(ref, rev, "HF_HUB_OFFLINE is set");
        }
        try {
            String name = ref.file() != null ? ref.file()
                    : pickGguf(listGguf(ref.repo(), rev), ref.quant(), ref.repo());
            return download(ref.repo(), name, rev, progress);
        } catch (HubUnreachable e) {
            return cachedOrFail(ref, rev, "the hub cannot be reached (" + e.getMessage() + ")");
        }
    }

    /** @return the GGUF files of a repo at a revision (from {@code /api/models/{repo}/revision/{revision}}) */
    public List<String> listGguf(String repo, String revision) {
        checkRepo(repo);
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/api/models/" + repo + "/revision/"
                + encode(revision))).GET(), HttpResponse.BodyHandlers.ofByteArray());
        check(r, repo, null);
        List<String> files = new ArrayList<>();
        try {
            JsonNode siblings = json.readTree(r.body()).path("siblings");
            for (JsonNode s : siblings) {
                String name = s.path("rfilename").asText("");
                if (name.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
                    files.add(name);
                }
            }
        } catch (IOException e) {
            throw new EmberException("the hub's listing of " + repo + " is not JSON: " + e.getMessage());
        }
        return files;
    }

    /**
     * Picks the file to pull, as Ollama and llama.cpp's {@code -hf} do: the one of the given quantization (a
     * {@code repo:Q8_0} tag), else Q4_K_M, else the only one.
     *
     * @param quant a quantization named by the user, or null
     * @throws EmberException listing the choices when none fits
     */
    public static String pickGguf(List<String> files, String quant, String repo) {
        List<String> whole = files.stream().filter(f -> !f.matches(".*-\\d{5}-of-\\d{5}\\.gguf")).toList();
        String want = (quant != null ? quant : "Q4_K_M").toUpperCase(Locale.ROOT);
        Optional<String> match = whole.stream().filter(f -> f.toUpperCase(Locale.ROOT).contains(want)).findFirst();
        if (match.isPresent()) {
            return match.get();
        }
        if (quant == null && whole.size() == 1) {
            return whole.getFirst();
        }
        throw new EmberException(whole.isEmpty() ? repo + " has no GGUF file (split files are not supported)"
                : repo + " has no " + want + " GGUF file; name one: " + String.join(", ", whole));
    }

    private Pulled download(String repo, String file, String revision, Progress progress) {
        HttpResponse<Void> head = send(HttpRequest.newBuilder(uri("/" + repo + "/resolve/" + encode(revision) + "/"
                + file)).method("HEAD", HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.discarding());
        check(head, repo, file);
        String commit = head.headers().firstValue("X-Repo-Commit").orElseThrow(() -> new EmberException(
                "the hub gave no X-Repo-Commit for " + repo + "/" + file));
        String etag = stripEtag(head.headers().firstValue("X-Linked-Etag")
                .or(() -> head.headers().firstValue("ETag")).orElseThrow(() -> new EmberException(
                        "the hub gave no ETag for " + repo + "/" + file)));
        long size = head.headers().firstValue("X-Linked-Size").or(() -> head.headers().firstValue("Content-Length"))
                .map(Long::parseLong).orElse(-1L);
        URI from = head.statusCode() / 100 == 3
                ? uri("").resolve(head.headers().firstValue("Location").orElseThrow(() -> new EmberException(
                "the hub redirected " + repo + "/" + file + " nowhere")))
                : uri("/" + repo + "/resolve/" + encode(revision) + "/" + file);
        cache.writeRef(repo, revision, commit);
        Path blob = cache.blob(repo, etag);
        boolean downloaded = false;
        if (!Files.isRegularFile(blob)) {
            fetch(from, blob, etag, size, file, progress);
            downloaded = true;
        }
        return new Pulled(cache.link(repo, commit, file, etag), downloaded, false);
    }

    /** Downloads into {@code blob.incomplete} (resuming what it holds), checks the SHA-256, moves it into place. */
    private void fetch(URI from, Path blob, String etag, long size, String file, Progress progress) {
        Path partial = blob.resolveSibling(blob.getFileName() + ".incomplete");
        try {
            Files.createDirectories(blob.getParent());
            long have = Files.isRegularFile(partial) ? Files.size(partial) : 0;
            HttpRequest.Builder get = HttpRequest.newBuilder(from).GET();
            if (have > 0) {
                get.header("Range", "bytes=" + have + "-");
            }
            HttpResponse<InputStream> r = send(get, HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() == 200 && have > 0) {
                have = 0; // the server sent it whole: start again
            } else if (r.statusCode() != 206 && r.statusCode() != 200) {
                r.body().close();
                throw new EmberException("downloading " + file + " failed: HTTP " + r.statusCode() + " from " + from);
            }
            MessageDigest sha = sha256();
            if (have > 0) { // the hash covers the whole file: the part kept from before first
                update(sha, partial);
            }
            progress.start(file, size, have);
            try (InputStream in = r.body(); OutputStream out = new DigestOutputStream(Files.newOutputStream(partial,
                    StandardOpenOption.CREATE, have > 0 ? StandardOpenOption.APPEND
                            : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), sha)) {
                byte[] buf = new byte[1 << 16];
                long done = have;
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    done += n;
                    progress.advance(done);
                }
            } finally {
                progress.end();
            }
            if (size >= 0 && Files.size(partial) != size) {
                throw new EmberException("downloading " + file + " stopped at " + Files.size(partial) + " of " + size
                        + " bytes; run the same command again to resume");
            }
            if (etag.matches("[0-9a-f]{64}")) { // an LFS file: its ETag is its SHA-256, hashed as it was written
                String digest = HexFormat.of().formatHex(sha.digest());
                if (!digest.equals(etag)) {
                    Files.delete(partial);
                    throw new EmberException(file + ": SHA-256 " + digest + " differs from the hub's " + etag
                            + "; the download was discarded, try again");
                }
            }
            Files.move(partial, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new EmberException("downloading " + file + " failed: " + e.getMessage()
                    + " (run the same command again to resume)", e);
        }
    }

    private Pulled cachedOrFail(HubRef ref, String revision, String why) {
        Optional<Path> cached = cache.find(ref.repo(), revision, ref.file(), ref.quant());
        if (cached.isPresent()) {
            return new Pulled(cached.get(), false, true);
        }
        throw new EmberException(why + ", and the cache (" + cache.root() + ") holds no "
                + (ref.file() != null ? ref.file() : ref.quant() != null ? ref.quant() + " GGUF file" : "GGUF file")
                + " of " + ref.repo() + " at " + revision);
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        request.header("User-Agent", "ember/0.1.0");
        try {
            return http.send(request.timeout(Duration.ofMinutes(10)).build(), body);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new HubUnreachable(endpoint + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        } catch (IOException e) {
            throw new HubUnreachable(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmberException("interrupted");
        }
    }

    private void check(HttpResponse<?> r, String repo, String file) {
        int s = r.statusCode();
        if (s < 400) {
            return;
        }
        String what = file == null ? repo : repo + "/" + file;
        throw switch (s) {
            case 401, 403 -> new EmberException(what + ": the hub refused access (HTTP " + s + "): a gated or private "
                    + "repo needs a token with access: set HF_TOKEN"
                    + (token != null ? " (the one set was refused)" : ""));
            case 404 -> new EmberException(what + ": not found on the hub (HTTP 404): check the repo and file names");
            default -> new EmberException(what + ": the hub answered HTTP " + s);
        };
    }

    private URI uri(String path) {
        return URI.create(endpoint + path);
    }

    private static String encode(String revision) {
        return URLEncoder.encode(revision, StandardCharsets.UTF_8);
    }

    private static void checkRepo(String repo) {
        if (repo == null || !repo.matches("[\\w.-]+/[\\w.-]+")) {
            throw new EmberException("a Hugging Face repo is ORG/NAME, got '" + repo + "'");
        }
    }

    private static String stripEtag(String etag) {
        String e = etag.startsWith("W/") ? etag.substring(2) : etag;
        return e.replace("\"", "");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java platform has SHA-256
        }
    }

    private static void update(MessageDigest md, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
    }

    /** The hub could not be reached: fall back to the cache. */
    private static final class HubUnreachable extends RuntimeException {
        HubUnreachable(String message) {
            super(message, null, false, false);
        }
    }
}
