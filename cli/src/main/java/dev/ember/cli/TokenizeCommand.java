package dev.ember.cli;

import dev.ember.gguf.GgufFile;
import dev.ember.tokenizer.Tokenizer;
import dev.ember.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ember tokenize}: token ids and pieces of a text, with llama-tokenize's defaults (BOS as the
 * vocabulary asks, special-token text parsed).
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize text with a GGUF file's tokenizer, as llama-tokenize does.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF file (a vocab-only file will do)")
    Path model;

    @Option(names = {"-t", "--text"}, required = true, description = "the text to tokenize")
    String text;

    @Option(names = "--json", description = "print {\"tokens\": [...], \"pieces\": [...]}")
    boolean json;

    @Option(names = "--no-bos", description = "do not add BOS/EOS even if the vocabulary asks for them")
    boolean noBos;

    @Option(names = "--no-parse-special", description = "treat control-token text such as <s> as plain text")
    boolean noParseSpecial;

    @Override
    public Integer call() {
        try (GgufFile gguf = ModelFile.open(model)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf.metadata());
            int[] ids = tokenizer.encode(text, !noBos, !noParseSpecial);
            List<String> pieces = new ArrayList<>(ids.length);
            for (int id : ids) {
                pieces.add(new String(tokenizer.decodePiece(id, true), StandardCharsets.UTF_8));
            }
            if (json) {
                Map<String, Object> root = new LinkedHashMap<>();
                root.put("tokens", ids);
                root.put("pieces", pieces);
                out().println(Json.write(root));
            } else {
                for (int i = 0; i < ids.length; i++) {
                    out().printf("%6d -> '%s'%n", ids[i], pieces.get(i));
                }
            }
        }
        return 0;
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
