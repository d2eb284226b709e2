package dev.ember.cli;

import dev.ember.EmberException;
import dev.ember.Model;
import dev.ember.chat.ChatTemplate;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --chat-template-file}, as llama.cpp has it: a Jinja template in place of the model's (a picocli mixin). */
final class TemplateOption {
    @Option(names = "--chat-template-file", paramLabel = "FILE",
            description = "a Jinja chat template to use instead of the model's tokenizer.chat_template")
    Path file;

    /** @return the template from the file, or the model's own (ChatML if it has none) */
    ChatTemplate template(Model model) {
        String source = source();
        return source == null ? ChatTemplate.of(model) : ChatTemplate.of(model, source);
    }

    /** @return the file's Jinja source, or null when no file was given */
    String source() {
        if (file == null) {
            return null;
        }
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new EmberException("cannot read the chat template " + file + ": " + e.getMessage());
        }
    }
}
