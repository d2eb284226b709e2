package dev.ember.hub;

import dev.ember.EmberException;

/**
 * What a user names on the hub: {@code ORG/NAME} (its Q4_K_M GGUF), {@code ORG/NAME:QUANT} (the GGUF of that
 * quantization, as llama.cpp's {@code -hf} takes it) or {@code ORG/NAME/FILE.gguf}; also as
 * {@code hf://ORG/NAME/FILE.gguf} where a model path is expected.
 *
 * @param repo  ORG/NAME
 * @param file  the file in the repo, or null
 * @param quant the quantization to pick, or null
 */
public record HubRef(String repo, String file, String quant) {
    /** The prefix of a hub path where a model file is expected. */
    public static final String SCHEME = "hf://";

    /** @return the parsed reference @throws EmberException if it is not ORG/NAME[/FILE | :QUANT] */
    public static HubRef parse(String text) {
        String t = text.startsWith(SCHEME) ? text.substring(SCHEME.length())
                : text.startsWith("hf:/") ? text.substring(4) : text; // a Path folds the double slash
        String[] parts = t.split("/", 3);
        if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new EmberException("a Hugging Face model is ORG/NAME, ORG/NAME:QUANT or ORG/NAME/FILE.gguf, got '"
                    + text + "'");
        }
        String name = parts[1];
        String quant = null;
        int colon = name.indexOf(':');
        if (colon >= 0 && parts.length == 2) {
            quant = name.substring(colon + 1);
            name = name.substring(0, colon);
        }
        return new HubRef(parts[0] + "/" + name, parts.length == 3 && !parts[2].isEmpty() ? parts[2] : null, quant);
    }

    /** @return whether a model path names a hub file ({@code hf://...}) */
    public static boolean isHubPath(String path) {
        return path.startsWith(SCHEME) || path.startsWith("hf:/");
    }
}
