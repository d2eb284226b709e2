package dev.ember.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.SharedData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * llama.cpp's tokenizer test vectors in ../shared/tokenizer: the {@code .inp}/{@code .out} pairs
 * (raw mode: no BOS, special text not parsed) and {@code extra-cases.json} (raw and default modes).
 * Everything here is llama.cpp's output, never Ember's.
 */
final class TokenizerReference {
    /** The separator llama.cpp's test-tokenizer-0 puts after every string of an {@code .inp} file. */
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    /** The key extra-cases.json uses for the stories260K vocabulary in ../shared/models. */
    static final String STORIES_KEY = "stories260K-f32.gguf (models/)";

    /** One string and the ids llama.cpp gives it. */
    record Case(String vocab, int index, String text, String mode, int[] expected) {
        @Override
        public String toString() {
            String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
            return vocab + " #" + index + " " + mode + " " + shown.replace("\n", "\\n").replace("\t", "\\t");
        }
    }

    private TokenizerReference() {
    }

    /** @return the vocab GGUF for a vocab file name (or the stories260K key) */
    static Path vocabFile(String vocab) {
        return vocab.equals(STORIES_KEY) ? SharedData.require("models/stories260K-f32.gguf")
                : SharedData.require("tokenizer/" + vocab);
    }

    /** @return the 46 raw-mode cases of {@code <vocab>.inp/.out} */
    static List<Case> inpOut(String vocab) {
        Path inp = SharedData.require("tokenizer/" + vocab + ".inp");
        Path out = SharedData.require("tokenizer/" + vocab + ".out");
        try {
            String all = Files.readString(inp, StandardCharsets.UTF_8);
            String[] texts = all.split(SEPARATOR, -1);
            // every string is followed by the separator, so the last piece is empty and not a case
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            if (texts.length - 1 != lines.size()) {
                throw new IllegalStateException(vocab + ": " + (texts.length - 1) + " inputs but "
                        + lines.size() + " output lines");
            }
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                cases.add(new Case(vocab, i, texts[i], "raw", ids(lines.get(i))));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ids(String line) {
        String s = line.strip();
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] parts = s.split(" ");
        int[] r = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            r[i] = Integer.parseInt(parts[i]);
        }
        return r;
    }

    /** @return the cases of extra-cases.json for one vocab, both modes ("raw" and "default") */
    static List<Case> extraCases(String vocab) {
        Path json = SharedData.require("tokenizer/extra-cases.json");
        try {
            JsonNode root = new ObjectMapper().readTree(json.toFile());
            List<Case> cases = new ArrayList<>();
            int i = 0;
            for (JsonNode c : root.get("cases")) {
                // utf8_hex is the byte-exact input; the JSON string may not survive a text editor
                String text = new String(HexFormat.of().parseHex(c.get("utf8_hex").asText()), StandardCharsets.UTF_8);
                JsonNode r = c.get("results").get(vocab);
                if (r != null) {
                    for (String mode : List.of("raw", "default")) {
                        JsonNode ids = r.get(mode);
                        int[] expected = new int[ids.size()];
                        for (int k = 0; k < expected.length; k++) {
                            expected[k] = ids.get(k).asInt();
                        }
                        cases.add(new Case(vocab, i, text, mode, expected));
                    }
                }
                i++;
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
