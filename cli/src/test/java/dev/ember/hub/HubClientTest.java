package dev.ember.hub;

import dev.ember.EmberException;
import dev.ember.SharedData;
import dev.ember.cli.EmberCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember pull} against a loopback stand-in for the hub: no test reaches the internet. */
class HubClientTest {
    private static final Path Q8 = SharedData.require("models/stories260K-q8_0.gguf");
    private static final Path Q4KM = SharedData.require("models/stories260K-q4_k_m.gguf");

    @TempDir
    Path dir;
    private FakeHub hub;
    private HubCache cache;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub(Q8, Q4KM);
        cache = new HubCache(dir.resolve("hub"));
    }

    @AfterEach
    void stop() {
        hub.close();
        System.clearProperty("ember.hf.endpoint");
        System.clearProperty("ember.hf.cache");
    }

    private HubClient client(String token) {
        return new HubClient(hub.endpoint(), token, false, cache);
    }

    @Test
    void pullPicksQ4KMAndLaysTheFileOutAsTheHubCacheDoes() throws IOException {
        HubClient.Pulled p = client(null).pull(HubRef.parse("ember-test/stories"), null, HubClient.Progress.NONE);
        assertTrue(p.downloaded());
        assertEquals("stories260K-Q4_K_M.gguf", p.path().getFileName().toString(), "Q4_K_M when no file is named");
        assertEquals(-1L, Files.mismatch(p.path(), Q4KM));
        Path repo = dir.resolve("hub/models--ember-test--stories");
        String sha = FakeHub.sha(Files.readAllBytes(Q4KM));
        assertEquals(repo.resolve("snapshots/" + FakeHub.COMMIT + "/stories260K-Q4_K_M.gguf"), p.path());
        assertTrue(Files.isSymbolicLink(p.path()));
        assertEquals(Path.of("../../blobs/" + sha), Files.readSymbolicLink(p.path()));
        assertEquals(FakeHub.COMMIT, Files.readString(repo.resolve("refs/main")));
        assertFalse(Files.exists(repo.resolve("blobs/" + sha + ".incomplete")));

        long downloads = hub.requests.stream().filter(r -> r.startsWith("GET /cdn/")).count();
        HubClient.Pulled again = client(null).pull(HubRef.parse("ember-test/stories"), null, HubClient.Progress.NONE);
        assertFalse(again.downloaded(), "the cached blob is reused");
        assertEquals(p.path(), again.path());
        assertEquals(downloads, hub.requests.stream().filter(r -> r.startsWith("GET /cdn/")).count());
    }

    @Test
    void aQuantTagOrAFileNamePicksThatFile() throws IOException {
        HubClient.Pulled tagged = client(null).pull(HubRef.parse("ember-test/stories:q8_0"), null,
                HubClient.Progress.NONE);
        assertEquals("stories260K-Q8_0.gguf", tagged.path().getFileName().toString());
        assertEquals(-1L, Files.mismatch(tagged.path(), Q8));
        HubClient.Pulled named = client(null).pull(HubRef.parse("hf://ember-test/stories/stories260K-Q8_0.gguf"),
                "main", HubClient.Progress.NONE);
        assertEquals(tagged.path(), named.path());
        EmberException none = assertThrows(EmberException.class, () -> client(null).pull(
                HubRef.parse("ember-test/stories:Q2_K"), null, HubClient.Progress.NONE));
        assertTrue(none.getMessage().contains("no Q2_K GGUF file; name one: stories260K-Q8_0.gguf, "
                + "stories260K-Q4_K_M.gguf"), none.getMessage());
    }

    @Test
    void aPartialDownloadIsResumed() throws IOException {
        byte[] bytes = Files.readAllBytes(Q8);
        String sha = FakeHub.sha(bytes);
        Path partial = dir.resolve("hub/models--ember-test--stories/blobs/" + sha + ".incomplete");
        Files.createDirectories(partial.getParent());
        Files.write(partial, Arrays.copyOf(bytes, 100_000));
        long[] resumedFrom = {-1};
        HubClient.Pulled p = client(null).pull(HubRef.parse("ember-test/stories/stories260K-Q8_0.gguf"), null,
                new HubClient.Progress() {
                    @Override
                    public void start(String file, long total, long from) {
                        resumedFrom[0] = from;
                    }

                    @Override
                    public void advance(long done) {
                    }

                    @Override
                    public void end() {
                    }
                });
        assertEquals(100_000, resumedFrom[0]);
        assertTrue(hub.requests.contains("GET /cdn/" + sha + " bytes=100000-"), hub.requests.toString());
        assertEquals(-1L, Files.mismatch(p.path(), Q8));
    }

    @Test
    void aFileWhoseSha256DiffersFromTheHubsIsNotUsed() {
        EmberException e = assertThrows(EmberException.class, () -> client(null).pull(
                HubRef.parse("ember-test/corrupt"), null, HubClient.Progress.NONE));
        assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains("discarded"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("hub/models--ember-test--corrupt/snapshots/" + FakeHub.COMMIT
                + "/model-Q4_K_M.gguf")));
    }

    @Test
    void gatedReposNeedHfTokenAndMissingOnesSaySo() throws IOException {
        EmberException refused = assertThrows(EmberException.class, () -> client(null).pull(
                HubRef.parse("ember-test/gated"), null, HubClient.Progress.NONE));
        assertTrue(refused.getMessage().contains("HTTP 401") && refused.getMessage().contains("HF_TOKEN"),
                refused.getMessage());
        HubClient.Pulled p = client(FakeHub.TOKEN).pull(HubRef.parse("ember-test/gated"), null,
                HubClient.Progress.NONE);
        assertEquals(-1L, Files.mismatch(p.path(), Q4KM));
        EmberException missing = assertThrows(EmberException.class, () -> client(null).pull(
                HubRef.parse("ember-test/stories/nope.gguf"), null, HubClient.Progress.NONE));
        assertTrue(missing.getMessage().contains("not found on the hub (HTTP 404)"), missing.getMessage());
        EmberException bad = assertThrows(EmberException.class, () -> HubRef.parse("just-a-name"));
        assertTrue(bad.getMessage().contains("ORG/NAME"), bad.getMessage());
    }

    @Test
    void withoutNetworkTheCachedFileIsUsed() {
        HubClient.Pulled first = client(null).pull(HubRef.parse("ember-test/stories"), null, HubClient.Progress.NONE);
        client(null).pull(HubRef.parse("ember-test/stories:Q8_0"), null, HubClient.Progress.NONE);
        hub.close();
        HubClient.Pulled offline = client(null).pull(HubRef.parse("ember-test/stories"), null, HubClient.Progress.NONE);
        assertTrue(offline.offline());
        assertEquals(first.path(), offline.path());
        HubClient.Pulled forced = new HubClient(hub.endpoint(), null, true, cache).pull(
                HubRef.parse("ember-test/stories/stories260K-Q4_K_M.gguf"), null, HubClient.Progress.NONE);
        assertEquals(first.path(), forced.path(), "HF_HUB_OFFLINE");
        HubClient.Pulled q8 = client(null).pull(HubRef.parse("ember-test/stories:Q8_0"), null, HubClient.Progress.NONE);
        assertTrue(q8.offline());
        assertEquals("stories260K-Q8_0.gguf", q8.path().getFileName().toString(), "offline, the tag still picks");
        EmberException nothing = assertThrows(EmberException.class, () -> client(null).pull(
                HubRef.parse("ember-test/other"), null, HubClient.Progress.NONE));
        assertTrue(nothing.getMessage().contains("cannot be reached") && nothing.getMessage().contains("holds no"),
                nothing.getMessage());
    }

    @Test
    void pullAndHfModelPathsWorkFromTheCommandLine() {
        System.setProperty("ember.hf.endpoint", hub.endpoint());
        System.setProperty("ember.hf.cache", dir.resolve("hub").toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = EmberCli.run(new PrintWriter(out), new PrintWriter(err), "pull", "ember-test/stories");
        assertEquals(0, status, err.toString());
        assertTrue(out.toString().strip().endsWith("stories260K-Q4_K_M.gguf"), out.toString());
        StringWriter runOut = new StringWriter();
        StringWriter runErr = new StringWriter();
        status = EmberCli.run(new PrintWriter(runOut), new PrintWriter(runErr), "run", "--model",
                "hf://ember-test/stories/stories260K-Q8_0.gguf", "--prompt", "Once upon a time", "--max-tokens", "8",
                "--temperature", "0", "--threads", "1");
        assertEquals(0, status, runErr.toString());
        assertTrue(runOut.toString().startsWith("Once upon a time, there was a little girl"), runOut.toString());
    }
}
