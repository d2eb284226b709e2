package dev.ember.tokenizer;

import dev.ember.EmberException;
import dev.ember.gguf.GgufMetadata;

/**
 * Picks the tokenizer for a GGUF file from {@code tokenizer.ggml.model}, as llama.cpp's vocab loader
 * does:
 * <pre>
 * try (GgufFile gguf = GgufFile.open(path)) {
 *     Tokenizer tokenizer = Tokenizers.fromGguf(gguf.metadata());
 *     int[] ids = tokenizer.encode("Hello", true, true);
 * }
 * </pre>
 */
public final class Tokenizers {
    /** The {@code tokenizer.ggml.model} values Ember supports. */
    public static final String SUPPORTED = "llama (SentencePiece), gpt2 (byte-level BPE), bert (WordPiece)";

    private Tokenizers() {
    }

    /**
     * Builds the tokenizer a GGUF file's metadata describes.
     *
     * @param metadata the file's metadata, with the {@code tokenizer.ggml.*} keys
     * @return an immutable, thread-safe tokenizer
     * @throws EmberException if the tokenizer model is not one Ember supports
     * @throws dev.ember.gguf.GgufFormatException if the vocabulary keys are missing or inconsistent
     */
    public static Tokenizer fromGguf(GgufMetadata metadata) {
        return of(Vocabulary.fromGguf(metadata));
    }

    /**
     * Builds the tokenizer for a vocabulary that is already loaded.
     *
     * @throws EmberException if the vocabulary's model is not one Ember supports
     */
    public static Tokenizer of(Vocabulary vocabulary) {
        return switch (vocabulary.model()) {
            case "llama" -> new SentencePieceTokenizer(vocabulary);
            case "gpt2" -> new BpeTokenizer(vocabulary);
            case "bert" -> new WordPieceTokenizer(vocabulary);
            default -> throw new EmberException("unsupported tokenizer.ggml.model '" + vocabulary.model()
                    + "'; supported: " + SUPPORTED);
        };
    }
}
