package dev.ember.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback stand-in for the Hugging Face hub with the headers {@code huggingface_hub} reads: the repo listing
 * ({@code /api/models/ORG/NAME/revision/REV}), {@code /ORG/NAME/resolve/REV/FILE} answering 302 to a CDN path with
 * {@code X-Repo-Commit}, {@code X-Linked-Etag} (the SHA-256) and {@code X-Linked-Size}, and the CDN serving bytes
 * with Range support. Repos: {@code ember-test/stories} (two GGUFs and a README), {@code ember-test/gated}
 * (401 without {@code Bearer secret}) and {@code ember-test/corrupt} (an ETag the bytes do not match).
 */
final class FakeHub implements AutoCloseable {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String TOKEN = "secret";

    private record Blob(byte[] bytes, String sha) {
    }

    private final HttpServer server;
    private final Map<String, Map<String, Blob>> repos = new LinkedHashMap<>();
    private final Map<String, Blob> cdn = new LinkedHashMap<>();
    /** Every request: "METHOD path [Range]". */
    final List<String> requests = new CopyOnWriteArrayList<>();

    FakeHub(Path q8, Path q4km) throws IOException {
        Map<String, Blob> stories = new LinkedHashMap<>();
        stories.put("stories260K-Q8_0.gguf", blob(Files.readAllBytes(q8)));
        stories.put("stories260K-Q4_K_M.gguf", blob(Files.readAllBytes(q4km)));
        stories.put("README.md", blob("# stories260K\n".getBytes(StandardCharsets.UTF_8)));
        repos.put("ember-test/stories", stories);
        repos.put("ember-test/gated", Map.of("model-Q4_K_M.gguf", blob(Files.readAllBytes(q4km))));
        Blob good = blob(Files.readAllBytes(q8));
        Blob lying = new Blob(good.bytes(), "f".repeat(64)); // the hub's ETag says another file
        repos.put("ember-test/corrupt", Map.of("model-Q4_K_M.gguf", lying));
        for (Map<String, Blob> files : repos.values()) {
            files.values().forEach(b -> cdn.put(sha(b.bytes()), b));
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static String sha(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Blob blob(byte[] bytes) {
        return new Blob(bytes, sha(bytes));
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        String range = x.getRequestHeaders().getFirst("Range");
        requests.add(x.getRequestMethod() + " " + path + (range != null ? " " + range : ""));
        try (x) {
            String[] p = path.substring(1).split("/");
            if (path.startsWith("/api/models/") && p.length >= 4) {
                String repo = p[2] + "/" + p[3];
                if (!allowed(x, repo)) {
                    send(x, 401, "{\"error\": \"Access to this model is restricted\"}");
                } else if (!repos.containsKey(repo)) {
                    send(x, 404, "{\"error\": \"Repository not found\"}");
                } else {
                    List<String> siblings = new ArrayList<>();
                    repos.get(repo).keySet().forEach(f -> siblings.add("{\"rfilename\": \"" + f + "\"}"));
                    send(x, 200, "{\"id\": \"" + repo + "\", \"sha\": \"" + COMMIT + "\", \"siblings\": ["
                            + String.join(", ", siblings) + "]}");
                }
            } else if (p.length >= 5 && p[2].equals("resolve")) {
                String repo = p[0] + "/" + p[1];
                Blob b = repos.getOrDefault(repo, Map.of()).get(String.join("/", java.util.Arrays.copyOfRange(p, 4,
                        p.length)));
                if (!allowed(x, repo)) {
                    send(x, 401, "");
                } else if (b == null) {
                    x.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
                    send(x, 404, "");
                } else {
                    x.getResponseHeaders().add("X-Repo-Commit", COMMIT);
                    x.getResponseHeaders().add("X-Linked-Etag", "\"" + b.sha() + "\"");
                    x.getResponseHeaders().add("X-Linked-Size", Integer.toString(b.bytes().length));
                    x.getResponseHeaders().add("ETag", "\"git-sha1-of-the-pointer\"");
                    x.getResponseHeaders().add("Location", "/cdn/" + cdnKey(b));
                    x.sendResponseHeaders(302, -1);
                }
            } else if (p.length == 2 && p[0].equals("cdn") && cdn.containsKey(p[1])) {
                byte[] bytes = cdn.get(p[1]).bytes();
                int from = range != null ? Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1")) : 0;
                x.sendResponseHeaders(range != null ? 206 : 200, bytes.length - from);
                try (OutputStream out = x.getResponseBody()) {
                    out.write(bytes, from, bytes.length - from);
                }
            } else {
                send(x, 404, "");
            }
        }
    }

    /** The CDN key: the real SHA-256 of the bytes (the corrupt repo's ETag points elsewhere). */
    private static String cdnKey(Blob b) {
        return sha(b.bytes());
    }

    private static boolean allowed(HttpExchange x, String repo) {
        return !repo.equals("ember-test/gated") || ("Bearer " + TOKEN).equals(x.getRequestHeaders()
                .getFirst("Authorization"));
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
