package dev.ember.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.SharedData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ember.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ember template}, {@code ember chat}, the help listing and the serve command's option checks. */
class ChatCommandsTest {
    private static final String STORIES = SharedData.require("models/stories260K-q8_0.gguf").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterEach
    void restoreInput() {
        ChatCommand.input = System.in;
    }

    @Test
    void templateRendersAVocabOnlyFileAsJinja2Does(@TempDir Path dir) throws Exception {
        // the shared reference's multi-turn case for qwen2 (rendered by jinja2), taken from the file itself
        JsonNode cases = JSON.readTree(SharedData.require("reference/chat/chat-templates.json").toFile()).get("cases");
        JsonNode c = null;
        for (JsonNode each : cases) {
            if (each.get("vocab").asText().equals("ggml-vocab-qwen2.gguf")
                    && each.get("conversation").asText().equals("multi-turn")
                    && each.get("add_generation_prompt").asBoolean()) {
                c = each;
            }
        }
        Path messages = dir.resolve("messages.json");
        Files.writeString(messages, JSON.writeValueAsString(Map.of("messages", c.get("messages"))));
        String vocab = SharedData.require("tokenizer/ggml-vocab-qwen2.gguf").toString();
        CliTest.Run text = run("template", "--model", vocab, "--messages", messages.toString());
        assertEquals(0, text.status(), text.err());
        assertEquals(c.get("expected").asText(), text.out());
        CliTest.Run json = run("template", "--model", vocab, "--messages", messages.toString(), "--json");
        assertEquals(c.get("expected").asText(), JSON.readTree(json.out()).get("prompt").asText());
        CliTest.Run noGen = run("template", "--model", vocab, "--messages", messages.toString(),
                "--no-generation-prompt");
        assertEquals(c.get("expected").asText().replaceAll("<\\|im_start\\|>assistant\n$", ""), noGen.out());
    }

    @Test
    void templateTakesToolsAndSaysWhenItFallsBackToChatMl(@TempDir Path dir) throws Exception {
        Path messages = dir.resolve("m.json");
        Files.writeString(messages, "[{\"role\": \"user\", \"content\": \"Weather in Paris?\"}]");
        Path tools = dir.resolve("t.json");
        Files.writeString(tools, "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}]}");
        CliTest.Run r = run("template", "--model", SharedData.require("tokenizer/ggml-vocab-qwen2.gguf").toString(),
                "--messages", messages.toString(), "--tools", tools.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}\n"
                + "</tools>"), r.out());
        CliTest.Run fallback = run("template", "--model", STORIES, "--messages", messages.toString());
        assertEquals("<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n", fallback.out());
        assertTrue(fallback.err().contains("no chat template") && fallback.err().contains("ChatML"), fallback.err());
    }

    @Test
    void templateErrorsAreOneLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"messages\": 3}");
        CliTest.Run r = run("template", "--model", STORIES, "--messages", bad.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().strip().startsWith("ember: ") && r.err().strip().lines().count() == 1, r.err());
        Path alternating = dir.resolve("a.json");
        Files.writeString(alternating, "[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]");
        CliTest.Run refused = run("template", "--model",
                SharedData.require("tokenizer/ggml-vocab-gemma-3.gguf").toString(), "--messages", alternating.toString());
        assertEquals(1, refused.status());
        assertEquals("ember: the chat template refused the conversation: Conversation roles must alternate "
                + "user/assistant/user/assistant/...", refused.err().strip());
    }

    @Test
    void chatKeepsTheConversationInTheCacheAndResets() {
        ChatCommand.input = new ByteArrayInputStream("Hello!\nTell me a story.\n/reset\nHello!\n/exit\nnever read\n"
                .getBytes(StandardCharsets.UTF_8));
        CliTest.Run r = run("chat", "--model", STORIES, "--temperature", "0", "--max-tokens", "24", "--threads", "2",
                "--system", "You tell stories.");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("template: ChatML (fallback"), r.err());
        Matcher turns = Pattern.compile("\\[prompt (\\d+) tokens: (\\d+) new, (\\d+) from the cache, evaluated in [0-9.]+ s; "
                + "reply (\\d+) tokens")
                .matcher(r.err());
        List<int[]> t = turns.results().map(m -> new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4))}).toList();
        assertEquals(3, t.size(), r.err());
        assertEquals(0, t.get(0)[2], "the first turn has nothing cached");
        // the second turn's prompt holds the first prompt and reply: all but the reply's last token come from the cache
        assertTrue(t.get(1)[2] >= t.get(0)[0] + t.get(0)[3] - 2, r.err());
        assertTrue(t.get(1)[1] < t.get(1)[0] / 2, "most of the second prompt was cached: " + r.err());
        assertEquals(0, t.get(2)[2], "after /reset nothing is cached");
        assertEquals(t.get(0)[0], t.get(2)[0], "and the same first turn comes back");
        assertTrue(r.err().contains("(conversation reset)"), r.err());
        String[] replies = r.out().split("\n");
        assertTrue(replies.length >= 3, r.out());
    }

    @Test
    void inspectShowsAVocabOnlyFileWithItsTemplate() {
        CliTest.Run r = run("inspect", "--model", SharedData.require("tokenizer/ggml-vocab-qwen2.gguf").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("tokenizer.chat_template") && r.out().contains("config: none (a vocab-only file"),
                r.out());
    }

    @Test
    void helpListsEveryCommand() {
        CliTest.Run r = run("--help");
        for (String command : List.of("demo", "run", "chat", "serve", "template", "pull", "perplexity", "calibrate", "bench",
                "inspect", "tokenize")) {
            assertTrue(r.out().matches("(?s).*\\n  " + command + " .*"), command + " missing from:\n" + r.out());
        }
    }

    @Test
    void benchHandsOverToTheBenchModuleOrSaysHowToRunIt() {
        // the CLI's tests do not have the bench module on the class path: the command says how to run it
        CliTest.Run r = run("bench", "--synthetic", "tiny", "--quant", "q8_0");
        assertEquals(1, r.status());
        assertEquals("ember: the bench module is not on the class path: run it as ./ember bench --synthetic tiny "
                + "--quant q8_0", r.err().strip());
    }

    @Test
    void serveRefusesBadOptionsInOneLine() {
        CliTest.Run port = run("serve", "--model", STORIES, "--port", "70000");
        assertEquals(2, port.status());
        assertTrue(port.err().contains("port must be in 0..65535, got 70000"), port.err());
        CliTest.Run parallel = run("serve", "--model", STORIES, "--parallel", "0");
        assertEquals(2, parallel.status());
        assertTrue(parallel.err().contains("parallel must be >= 1, got 0"), parallel.err());
        CliTest.Run queue = run("serve", "--model", STORIES, "--queue", "-1");
        assertEquals(2, queue.status());
        assertTrue(queue.err().contains("queue must be >= 0, got -1"), queue.err());
        CliTest.Run missing = run("serve", "--model", "/no/model.gguf", "--port", "0");
        assertEquals(1, missing.status());
        assertEquals("ember: model file not found: /no/model.gguf", missing.err().strip());
    }
}
