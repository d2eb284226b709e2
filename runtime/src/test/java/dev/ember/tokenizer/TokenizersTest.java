package dev.ember.tokenizer;

import dev.ember.EmberException;
import dev.ember.gguf.GgufMetadata;
import dev.ember.gguf.GgufValue;
import dev.ember.gguf.GgufValueType;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizersTest {
    @Test
    void unknownModelIsNamedWithTheSupportedList() {
        EmberException e = assertThrows(EmberException.class, () -> Tokenizers.fromGguf(metadata("t5")));
        assertTrue(e.getMessage().contains("'t5'"), e.getMessage());
        assertTrue(e.getMessage().contains("llama") && e.getMessage().contains("gpt2")
                && e.getMessage().contains("bert"), e.getMessage());
    }

    @Test
    void modelNamePicksTheImplementation() {
        assertInstanceOf(SentencePieceTokenizer.class, Tokenizers.fromGguf(metadata("llama")));
        assertInstanceOf(WordPieceTokenizer.class, Tokenizers.fromGguf(metadata("bert")));
        assertInstanceOf(BpeTokenizer.class, ReferenceCaseTests.tokenizer("ggml-vocab-gpt-2.gguf"));
    }

    /** A four-token vocabulary, enough for the factory. */
    private static GgufMetadata metadata(String model) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", new GgufValue(GgufValueType.STRING, null, model));
        m.put("tokenizer.ggml.tokens", new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING,
                new String[] {"<unk>", "<s>", "</s>", "\u2581a"}));
        return new GgufMetadata(null, m);
    }
}
