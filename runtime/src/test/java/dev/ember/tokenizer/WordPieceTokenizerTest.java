package dev.ember.tokenizer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * WordPiece ({@code bert}) against llama.cpp: every {@code .inp/.out} case in raw mode and every
 * extra case in raw and default mode must give llama.cpp's ids exactly.
 */
class WordPieceTokenizerTest {
    static final String BERT = "ggml-vocab-bert-bge.gguf";

    @TestFactory
    Stream<DynamicNode> llamaCppIds() {
        return Stream.of(ReferenceCaseTests.forVocab(BERT, true));
    }

    @Test
    void factoryPicksWordPiece() {
        assertInstanceOf(WordPieceTokenizer.class, ReferenceCaseTests.tokenizer(BERT));
    }

    @Test
    void piecesFollowTokenToPiece() {
        Tokenizer t = ReferenceCaseTests.tokenizer(BERT);
        // llama.cpp's converter stores word-initial pieces with ▁, which renders as a space
        assertArrayEquals(" hello".getBytes(StandardCharsets.UTF_8), t.decodePiece(7592, false));
        assertArrayEquals(new byte[0], t.decodePiece(101, false), "[CLS] is control: nothing unless special");
        assertArrayEquals("[CLS]".getBytes(StandardCharsets.UTF_8), t.decodePiece(101, true));
    }

    /**
     * As llama_detokenize does for BERT: no leading space is removed (add_space_prefix is off), and
     * clean_spaces drops the space before punctuation and some contractions. Ids from the .out file.
     */
    @Test
    void decodeAppliesCleanSpaces() {
        Tokenizer t = ReferenceCaseTests.tokenizer(BERT);
        int[] helloWorld = TokenizerReference.inpOut(BERT).get(16).expected(); // "Hello, world!"
        assertEquals(" hello, world!", t.decode(helloWorld));
        int[] withSpecials = new int[helloWorld.length + 2];
        withSpecials[0] = 101;
        System.arraycopy(helloWorld, 0, withSpecials, 1, helloWorld.length);
        withSpecials[withSpecials.length - 1] = 102;
        assertEquals(" hello, world!", t.decode(withSpecials), "[CLS] and [SEP] render as nothing");
    }

    /** The clean-up WordPiece decoding shares with BPE, on the patterns llama.cpp's passes look for. */
    @Test
    void cleanSpacesPassesAreLlamaCpps() {
        assertEquals("a, b. c! d? e", clean("a , b . c ! d ? e"));
        assertEquals("don't", clean("don ' t"), "a lone apostrophe between spaces joins its neighbours");
        assertEquals("it's I'm we're you've", clean("it 's I 'm we 're you 've"));
        assertEquals("I 'll we 'd they 't", clean("I 'll we 'd they 't"), "these keep their space in llama.cpp");
    }

    private static String clean(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int n = SpaceCleanup.apply(b, b.length);
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    @AfterAll
    static void printCounts() {
        System.out.print(ReferenceCaseTests.summary(List.of(BERT)));
    }
}
