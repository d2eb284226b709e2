package dev.ember.tokenizer;

import org.agrona.collections.IntArrayList;

/**
 * One regex of a pre-tokenizer (llama.cpp applies a list of them in sequence): it splits every
 * piece the previous step produced into smaller pieces. Text that no match covers stays a piece of
 * its own, so the pieces always tile the input.
 *
 * <p>Implementations are immutable and thread-safe.
 */
interface PreTokenizerStep {
    /**
     * @param cps    the code points of the whole text
     * @param pieces the lengths, in code points, of consecutive pieces that tile {@code cps}
     * @return the lengths of the finer pieces, tiling {@code cps} the same way
     */
    IntArrayList split(int[] cps, IntArrayList pieces);

    /**
     * The step for one llama.cpp regex. The GPT-2 and Llama-3 regexes get llama.cpp's hand-written
     * splitters, which llama.cpp always uses for exactly these strings (their results are what the
     * reference ids were made with); every other regex runs through {@link PreTokenizerRegexStep}.
     */
    static PreTokenizerStep of(String regex) {
        if (regex.equals(PreTokenizerGpt2Step.REGEX)) {
            return new PreTokenizerGpt2Step();
        }
        if (regex.equals(PreTokenizerLlama3Step.REGEX) || regex.equals(PreTokenizerLlama3Step.REGEX_CASE_INSENSITIVE)) {
            return new PreTokenizerLlama3Step();
        }
        return new PreTokenizerRegexStep(regex);
    }
}
