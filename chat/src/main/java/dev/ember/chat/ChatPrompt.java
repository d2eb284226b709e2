package dev.ember.chat;

import dev.ember.Model;
import dev.ember.tokenizer.Vocabulary;

import java.util.Arrays;

/**
 * A rendered chat prompt as token ids: special-token text ({@code <|im_start|>}) parsed as those tokens, BOS
 * added as the vocabulary asks unless the template already wrote it (most templates print {@code bos_token}
 * themselves; two BOS tokens would change what the model sees).
 */
public final class ChatPrompt {
    private ChatPrompt() {
    }

    /** @return the token ids of {@code text} for {@code model} */
    public static int[] tokenize(Model model, String text) {
        int[] ids = model.tokenizer().encode(text, true, true);
        int bos = model.tokenizer().vocabulary().bos();
        if (ids.length >= 2 && bos != Vocabulary.NONE && ids[0] == bos && ids[1] == bos) {
            return Arrays.copyOfRange(ids, 1, ids.length);
        }
        return ids;
    }
}
