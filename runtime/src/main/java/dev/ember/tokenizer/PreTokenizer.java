package dev.ember.tokenizer;

import dev.ember.EmberException;
import org.agrona.collections.IntArrayList;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits text into the words that byte-level BPE merges within, for one {@code tokenizer.ggml.pre}
 * value, exactly as llama.cpp does: its list of regexes, applied in sequence, each refining the
 * pieces of the one before, plus the two per-type switches that travel with it (ignore merges for
 * words found whole in the vocabulary; clean up spaces when detokenizing).
 *
 * <pre>
 * PreTokenizer pre = PreTokenizer.forName("llama-bpe");
 * pre.split("Hello world's 12345");   // [Hello,  world, 's,  , 123, 45]
 * </pre>
 *
 * <p>Names follow llama.cpp at the reference commit. A missing key reads as "default" and gets the
 * default regexes, as llama.cpp does (with a warning there). An unknown name is an
 * {@link EmberException}, because llama.cpp refuses to load such a file. Immutable and thread-safe.
 */
public final class PreTokenizer {
    private final String name;
    private final List<PreTokenizerStep> steps;
    private final boolean ignoreMerges;
    private final boolean cleanSpaces;

    private PreTokenizer(String name, List<String> regexes, boolean ignoreMerges, boolean cleanSpaces) {
        this.name = name;
        this.steps = regexes.stream().map(PreTokenizerStep::of).toList();
        this.ignoreMerges = ignoreMerges;
        this.cleanSpaces = cleanSpaces;
    }

    /**
     * @param pre the {@code tokenizer.ggml.pre} value ("default" or empty when the key is absent)
     * @return its pre-tokenizer
     * @throws EmberException if llama.cpp does not know the name
     */
    public static PreTokenizer forName(String pre) {
        String n = pre == null ? "" : pre;
        return switch (n) {
            case "", "default" -> new PreTokenizer(n, PreTokenizerRegexes.DEFAULT, false, true);
            case "llama3", "llama-v3", "llama-bpe", "falcon3" ->
                    new PreTokenizer(n, PreTokenizerRegexes.LLAMA3_ONLY, true, true);
            case "dbrx", "smaug-bpe", "chatglm-bpe" ->
                    new PreTokenizer(n, PreTokenizerRegexes.LLAMA3_ONLY, false, true);
            case "deepseek-llm" -> new PreTokenizer(n, PreTokenizerRegexes.DEEPSEEK_LLM, false, false);
            case "deepseek-coder" -> new PreTokenizer(n, PreTokenizerRegexes.DEEPSEEK_CODER, false, false);
            case "deepseek-v3" -> new PreTokenizer(n, PreTokenizerRegexes.DEEPSEEK3, false, false);
            case "falcon" -> new PreTokenizer(n, PreTokenizerRegexes.FALCON, false, true);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de",
                 "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais" ->
                    new PreTokenizer(n, PreTokenizerRegexes.GPT2_ONLY, false, true);
            case "starcoder", "refact", "codeshell", "exaone", "minerva-7b" ->
                    new PreTokenizer(n, PreTokenizerRegexes.STARCODER, false, true);
            case "command-r", "smollm" -> new PreTokenizer(n, PreTokenizerRegexes.STARCODER, false, false);
            case "qwen2", "deepseek-r1-qwen" -> new PreTokenizer(n, PreTokenizerRegexes.QWEN2, false, false);
            case "stablelm2", "megrez" -> new PreTokenizer(n, PreTokenizerRegexes.QWEN2, false, true);
            case "poro-chat" -> new PreTokenizer(n, PreTokenizerRegexes.PORO, false, false);
            case "bloom", "gpt3-finnish" -> new PreTokenizer(n, PreTokenizerRegexes.PORO, false, true);
            case "viking" -> new PreTokenizer(n, PreTokenizerRegexes.VIKING, false, false);
            case "tekken" -> new PreTokenizer(n, PreTokenizerRegexes.TEKKEN, true, false);
            case "chameleon" -> new PreTokenizer(n, PreTokenizerRegexes.CHAMELEON, false, false);
            default -> throw new EmberException("unknown pre-tokenizer type '" + n + "' (tokenizer.ggml.pre): "
                    + "llama.cpp refuses to load it too; Ember knows the types of llama.cpp c392e50");
        };
    }

    /** @return the {@code tokenizer.ggml.pre} name this was made for */
    public String name() {
        return name;
    }

    /** @return whether a word found whole in the vocabulary is emitted without merging (Llama 3, Tekken) */
    public boolean ignoreMerges() {
        return ignoreMerges;
    }

    /**
     * @return whether llama.cpp's detokenizer removes the space before {@code ? ! . ,}, around a lone
     *         {@code '} and before {@code 's 'm 're 've} ({@code clean_spaces})
     */
    public boolean cleanSpaces() {
        return cleanSpaces;
    }

    /**
     * @param text the text of one fragment (special tokens already cut out)
     * @return the words, in order; they concatenate to {@code text}
     */
    public List<String> split(String text) {
        int[] cps = BpeTokenizer.codePoints(text);
        IntArrayList lengths = split(cps);
        List<String> words = new ArrayList<>(lengths.size());
        int start = 0;
        for (int i = 0; i < lengths.size(); i++) {
            int end = start + lengths.getInt(i);
            words.add(new String(cps, start, end - start));
            start = end;
        }
        return words;
    }

    /** @return the word lengths, in code points, tiling {@code cps} */
    IntArrayList split(int[] cps) {
        IntArrayList pieces = new IntArrayList(8, -1);
        if (cps.length > 0) {
            pieces.addInt(cps.length);
        }
        for (PreTokenizerStep step : steps) {
            pieces = step.split(cps, pieces);
        }
        return pieces;
    }

    @Override
    public String toString() {
        return "PreTokenizer[" + name + ": " + steps + "]";
    }
}
