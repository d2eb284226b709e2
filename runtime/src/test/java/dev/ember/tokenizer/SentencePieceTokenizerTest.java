package dev.ember.tokenizer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * SentencePiece ({@code llama}) vocabularies against llama.cpp: every {@code .inp/.out} case in raw
 * mode and every extra case in raw and default mode must give llama.cpp's ids exactly.
 */
class SentencePieceTokenizerTest {
    /** The SentencePiece vocabularies with llama.cpp test vectors, and whether each has .inp/.out files. */
    static final Map<String, Boolean> VOCABS = Map.of(
            "ggml-vocab-llama-spm.gguf", true,
            "ggml-vocab-phi-3.gguf", true,
            "ggml-vocab-mistral-spm.gguf", true,
            "ggml-vocab-gemma-3.gguf", true,
            "ggml-vocab-baichuan.gguf", false,
            TokenizerReference.STORIES_KEY, false);

    @TestFactory
    Stream<DynamicNode> llamaCppIds() {
        return VOCABS.keySet().stream().sorted().map(v -> ReferenceCaseTests.forVocab(v, VOCABS.get(v)));
    }

    /**
     * decode(encode(text)) == text in raw mode, for every .inp case and every extra case: llama.cpp's
     * detokenizer gives these texts back (the space SentencePiece prepends is removed again, byte
     * fallback restores every character, user-defined tokens render as their text). There are no
     * exceptions among these cases. Default mode is left out on purpose: there the text of control
     * tokens such as {@code <s>} becomes the token, which renders as nothing.
     */
    @TestFactory
    Stream<DynamicNode> roundTrip() {
        List<DynamicNode> tests = new ArrayList<>();
        for (String vocab : VOCABS.keySet().stream().sorted().toList()) {
            List<TokenizerReference.Case> cases = new ArrayList<>(VOCABS.get(vocab)
                    ? TokenizerReference.inpOut(vocab) : List.of());
            cases.addAll(TokenizerReference.extraCases(vocab).stream().filter(c -> c.mode().equals("raw")).toList());
            for (TokenizerReference.Case c : cases) {
                tests.add(DynamicTest.dynamicTest(c.toString(), () -> {
                    Tokenizer tokenizer = ReferenceCaseTests.tokenizer(vocab);
                    String back = tokenizer.decode(tokenizer.encode(c.text(), false, false));
                    assertEquals(ReferenceCaseTests.escape(c.text()), ReferenceCaseTests.escape(back), c.toString());
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void factoryPicksSentencePiece() {
        assertInstanceOf(SentencePieceTokenizer.class, ReferenceCaseTests.tokenizer("ggml-vocab-llama-spm.gguf"));
    }

    @Test
    void piecesFollowTokenToPiece() {
        Tokenizer t = ReferenceCaseTests.tokenizer("ggml-vocab-llama-spm.gguf");
        assertArrayEquals(new byte[] {0x0A}, t.decodePiece(13, false), "<0x0A> is the byte 0x0A");
        assertArrayEquals(bytes(" Hello"), t.decodePiece(15043, false), "▁Hello");
        assertArrayEquals(new byte[0], t.decodePiece(1, false), "<s> is control: nothing unless special");
        assertArrayEquals(bytes("<s>"), t.decodePiece(1, true));
        assertArrayEquals(new byte[0], t.decodePiece(0, false), "<unk> is unknown: nothing unless special");
    }

    @Test
    void decodeRemovesOnlyTheFirstTokensLeadingSpace() {
        Tokenizer t = ReferenceCaseTests.tokenizer("ggml-vocab-llama-spm.gguf");
        assertEquals("Hello world", t.decode(new int[] {15043, 3186}));
        // llama_detokenize(remove_special=false): the BOS renders as nothing but uses up the strip
        assertEquals(" Hello world", t.decode(new int[] {1, 15043, 3186}));
        // .inp case 18: the 4-byte emoji is four byte-fallback tokens
        int[] llama = TokenizerReference.inpOut("ggml-vocab-llama-spm.gguf").get(18).expected();
        assertEquals(" this is 🦙.cpp", t.decode(llama));
    }

    @Test
    void gemmaKeepsItsSpacesAndUserDefinedTokens() {
        Tokenizer t = ReferenceCaseTests.tokenizer("ggml-vocab-gemma-3.gguf");
        // add_space_prefix = false: nothing is stripped; "\n" (107) and two spaces (138) are user-defined
        assertEquals("  \n  \t  ", t.decode(new int[] {138, 107, 138, 255968, 138}));
    }

    @Test
    void userDefinedTokensAreMatchedEvenInRawMode() {
        Tokenizer t = ReferenceCaseTests.tokenizer("ggml-vocab-gemma-3.gguf");
        assertArrayEquals(new int[] {203}, t.encode("<s>", false, false));
    }

    @AfterAll
    static void printCounts() {
        System.out.print(ReferenceCaseTests.summary(VOCABS.keySet()));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
