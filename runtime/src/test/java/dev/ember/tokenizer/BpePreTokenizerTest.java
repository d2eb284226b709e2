package dev.ember.tokenizer;

import dev.ember.EmberException;
import org.agrona.collections.IntArrayList;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of the pre-tokenizers that need no invented expectations: every llama.cpp name loads,
 * unknown names are refused as llama.cpp refuses them, the pieces always tile the text, and the
 * general regex engine agrees with the hand-written GPT-2 and Llama-3 splitters (which the reference
 * ids confirm) on every reference string. The ids themselves are checked in
 * {@link BpeTokenizerReferenceTest}.
 */
class BpePreTokenizerTest {
    /** Every tokenizer.ggml.pre value llama.cpp c392e50 accepts for byte-level BPE. */
    private static final List<String> NAMES = List.of("default", "", "llama3", "llama-v3", "llama-bpe", "falcon3",
            "dbrx", "smaug-bpe", "chatglm-bpe", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon", "gpt-2",
            "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code",
            "roberta-bpe", "mpt", "olmo", "jais", "starcoder", "refact", "codeshell", "exaone", "minerva-7b",
            "command-r", "smollm", "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez", "poro-chat", "bloom",
            "gpt3-finnish", "viking", "tekken", "chameleon");

    @Test
    void unknownNameIsRefusedLikeLlamaCpp() {
        EmberException e = assertThrows(EmberException.class, () -> PreTokenizer.forName("no-such-pre"));
        assertTrue(e.getMessage().contains("'no-such-pre'"), e.getMessage());
    }

    @TestFactory
    Stream<DynamicTest> everyNameTilesTheReferenceStrings() {
        List<String> texts = referenceTexts();
        return NAMES.stream().map(name -> DynamicTest.dynamicTest("pre '" + name + "'", () -> {
            PreTokenizer pre = PreTokenizer.forName(name);
            for (String text : texts) {
                List<String> words = pre.split(text);
                assertEquals(text, String.join("", words), name + " must tile the text");
                assertTrue(words.stream().noneMatch(String::isEmpty), name + " must not emit empty words");
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> regexEngineAgreesWithHandWrittenSplitters() {
        List<String> texts = referenceTexts();
        return Stream.of(
                DynamicTest.dynamicTest("gpt-2", () -> agree(new PreTokenizerGpt2Step(),
                        new PreTokenizerRegexStep(PreTokenizerGpt2Step.REGEX), texts)),
                DynamicTest.dynamicTest("llama-3", () -> agree(new PreTokenizerLlama3Step(),
                        new PreTokenizerRegexStep(PreTokenizerLlama3Step.REGEX), texts)));
    }

    private static void agree(PreTokenizerStep handWritten, PreTokenizerStep regex, List<String> texts) {
        for (String text : texts) {
            int[] cps = BpeTokenizer.codePoints(text);
            IntArrayList whole = new IntArrayList();
            if (cps.length > 0) {
                whole.addInt(cps.length);
            }
            assertEquals(handWritten.split(cps, whole), regex.split(cps, whole),
                    () -> "split of '" + text.replace("\n", "\\n") + "'");
        }
    }

    /** The 46 .inp strings (identical across vocabs) and the 15 extra strings. */
    private static List<String> referenceTexts() {
        return Stream.concat(
                TokenizerReference.inpOut("ggml-vocab-gpt-2.gguf").stream(),
                TokenizerReference.extraCases("ggml-vocab-gpt-2.gguf").stream().filter(c -> c.mode().equals("raw")))
                .map(TokenizerReference.Case::text).toList();
    }
}
