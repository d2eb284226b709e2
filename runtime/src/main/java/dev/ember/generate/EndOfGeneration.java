package dev.ember.generate;

import dev.ember.tokenizer.Vocabulary;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The tokens that end generation, as llama.cpp's vocabulary loader collects them: EOS, EOT, and any
 * token whose text is one of the end-of-turn markers of the common chat formats (whatever its type
 * says; llama.cpp marks them control tokens).
 */
public final class EndOfGeneration {
    /** Token texts llama.cpp treats as end of generation (its {@code special_eog_ids} by text). */
    static final String[] MARKERS = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
        "<|eom_id|>", "<EOT>", "_<EOT>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>"};

    private EndOfGeneration() {
    }

    /** @return the sorted, distinct end-of-generation ids of a vocabulary */
    public static int[] ids(Vocabulary vocab) {
        IntStream markers = Arrays.stream(MARKERS).mapToInt(vocab::id);
        return IntStream.concat(IntStream.of(vocab.eos(), vocab.eot()), markers)
                .filter(id -> id != Vocabulary.NONE).distinct().sorted().toArray();
    }

    /** @return whether {@code token} is in {@code ids} (a handful: a scan beats a hash) */
    static boolean contains(int[] ids, int token) {
        for (int id : ids) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }
}
