package dev.ember.generate;

import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.tokenizer.Vocabulary;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Stop-string matching with hold-back, and llama.cpp's end-of-generation ids on real vocabularies. */
class StopAndEndTokensTest {
    @Test
    void holdsBackTheLongestSuffixThatCouldStartAStopString() {
        StopStrings stops = new StopStrings(List.of("</answer>", "\n\n", ""));
        assertEquals(0, stops.holdBack(new StringBuilder("hello")));
        assertEquals(2, stops.holdBack(new StringBuilder("hello </")));
        assertEquals(1, stops.holdBack(new StringBuilder("line\n")));
        assertEquals(8, stops.holdBack(new StringBuilder("x</answer")));
        StringBuilder text = new StringBuilder("abc</ans");
        assertEquals(-1, stops.find(text, 3));
        text.append("wer> more");
        assertEquals(3, stops.find(text, 8), "a match that began in text already checked is found");
        assertEquals(0, new StopStrings(List.of("b", "abc")).find(new StringBuilder("abc"), 0),
                "the earliest start wins");
    }

    @Test
    void endOfGenerationIdsFollowLlamaCpp() {
        // this Llama 3 vocabulary predates <|eom_id|> (128008 is a reserved token) and has no eot key:
        // <|eot_id|> is found by its text, as llama.cpp does
        assertArrayEquals(new int[] {128001, 128009}, ids("tokenizer/ggml-vocab-llama-bpe.gguf"),
                "Llama 3: <|end_of_text|> (EOS) and <|eot_id|>");
        assertArrayEquals(new int[] {2}, ids("models/stories260K-f32.gguf"), "SentencePiece </s> only");
    }

    private static int[] ids(String file) {
        try (GgufFile gguf = GgufFile.open(SharedData.require(file))) {
            return EndOfGeneration.ids(Vocabulary.fromGguf(gguf.metadata()));
        }
    }
}
