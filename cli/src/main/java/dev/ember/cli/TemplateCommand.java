package dev.ember.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ember.EmberException;
import dev.ember.chat.ChatTemplate;
import dev.ember.gguf.GgufFile;
import dev.ember.tokenizer.Vocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ember template}: the prompt a conversation becomes under a GGUF's chat template, as llama-server's
 * {@code /apply-template} gives it. Reads only metadata, so a vocab-only file will do.
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Render a conversation with a GGUF file's chat template (a vocab-only file will do).")
final class TemplateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF file (a vocab-only file will do)")
    Path model;

    @Option(names = "--messages", required = true, paramLabel = "FILE",
            description = "JSON: an array of messages ({\"role\", \"content\"}), or an object with \"messages\" "
                    + "(an OpenAI chat request)")
    Path messagesFile;

    @Option(names = "--tools", paramLabel = "FILE",
            description = "JSON: an array of tool definitions, or an object with \"tools\"")
    Path toolsFile;

    @Option(names = "--no-generation-prompt", description = "do not end with the assistant's turn header")
    boolean noGenerationPrompt;

    @Option(names = "--json", description = "print {\"prompt\": ...}")
    boolean json;

    @Override
    public Integer call() {
        List<Map<String, Object>> messages = readList(messagesFile, "messages");
        List<Map<String, Object>> tools = toolsFile == null ? null : readList(toolsFile, "tools");
        ChatTemplate template;
        try (GgufFile gguf = ModelFile.open(model)) {
            template = ChatTemplate.fromGguf(gguf.metadata(), Vocabulary.fromGguf(gguf.metadata()));
        }
        if (template.isFallback()) {
            spec.commandLine().getErr().println("ember: " + model.getFileName() + " has no chat template ("
                    + ChatTemplate.METADATA_KEY + "); using ChatML, as llama-server does");
        }
        String prompt = template.render(messages, tools, !noGenerationPrompt, Map.of());
        if (json) {
            spec.commandLine().getOut().println(Json.write(Map.of("prompt", prompt)));
        } else {
            spec.commandLine().getOut().print(prompt);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    /** @return a JSON file's array, or the array under {@code key} of its object */
    private static List<Map<String, Object>> readList(Path file, String key) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new EmberException("cannot read " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode list = root != null && root.isObject() ? root.get(key) : root;
        if (list == null || !list.isArray()) {
            throw new EmberException(file + ": expected a JSON array of " + key + ", or an object with \"" + key
                    + "\": [...]");
        }
        for (JsonNode item : list) {
            if (!item.isObject()) {
                throw new EmberException(file + ": every entry of " + key + " must be an object, found " + item);
            }
        }
        return Json.mapper().convertValue(list, new TypeReference<>() {
        });
    }
}
