package dev.ember.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A SentencePiece-style vocabulary for synthetic models, laid out as llama.cpp expects of a
 * {@code tokenizer.ggml.model = "llama"} file: {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte
 * tokens {@code <0xNN>}, the word boundary {@code ▁} and the printable ASCII characters, common English
 * words with every prefix they are built from (so SentencePiece's merges can reach them), then filler
 * pieces up to the requested size. Longer pieces score higher, so merges prefer them.
 *
 * @param tokens the token texts, {@code ▁} for a space
 * @param scores one SentencePiece score per token
 * @param types  one llama.cpp token type per token (1 normal, 2 unknown, 3 control, 6 byte)
 */
record SyntheticVocabulary(String[] tokens, float[] scores, int[] types) {
    static final int UNK = 0;
    static final int BOS = 1;
    static final int EOS = 2;
    private static final String SPACE = "\u2581";
    private static final int TYPE_NORMAL = 1;
    private static final int TYPE_UNKNOWN = 2;
    private static final int TYPE_CONTROL = 3;
    private static final int TYPE_BYTE = 6;

    /** Words of children's stories, the flavour of the tiny models this engine is tested on. */
    private static final String WORDS = "the and a to was he she it in of they said day time Once upon there little "
            + "One The She He They Lily Tom "
            + "big girl boy dog cat play happy saw went with her his had friend tree sun mom dad park ball one very "
            + "wanted named lily tom ben sue loved help look see went home good new red blue run jump fun toy box "
            + "bird fish water sky smile sad came away back all not but so you what is that on at be for this have "
            + "can like who them we my me are were do did up out go get just some then when will would could "
            + "about into over after found made make first know see two small old best found love";

    /**
     * @return a vocabulary of exactly {@code size} tokens: as many words as fit (in the order of
     *         {@link #WORDS}), then filler pieces
     */
    static SyntheticVocabulary of(int size) {
        int room = size - 3 - 256;
        Set<String> pieces = new LinkedHashSet<>();
        pieces.add(SPACE);
        for (char ch = 0x21; ch < 0x7F; ch++) {
            pieces.add(String.valueOf(ch));
        }
        if (pieces.size() > room) {
            throw new IllegalArgumentException("a synthetic vocabulary needs at least " + (size - room + pieces.size())
                    + " tokens, asked for " + size);
        }
        for (String word : WORDS.split("\\s+")) {
            String w = SPACE + word;
            List<String> missing = new ArrayList<>();
            for (int end = 2; end <= w.length(); end++) {
                if (!pieces.contains(w.substring(0, end))) {
                    missing.add(w.substring(0, end));
                }
            }
            if (pieces.size() + missing.size() > room) {
                break;
            }
            pieces.addAll(missing);
        }
        List<String> fill = new ArrayList<>();
        for (int i = 0; pieces.size() + fill.size() < room; i++) {
            fill.add(SPACE + "x" + Integer.toString(i, 36).toLowerCase(Locale.ROOT));
        }
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        tokens[UNK] = "<unk>";
        tokens[BOS] = "<s>";
        tokens[EOS] = "</s>";
        types[UNK] = TYPE_UNKNOWN;
        types[BOS] = TYPE_CONTROL;
        types[EOS] = TYPE_CONTROL;
        int id = 3;
        for (int b = 0; b < 256; b++, id++) {
            tokens[id] = String.format("<0x%02X>", b);
            types[id] = TYPE_BYTE;
        }
        for (String piece : pieces) {
            tokens[id] = piece;
            scores[id] = piece.length() * 10f - id * 1e-3f; // longer first; stable tie-break by id
            types[id++] = TYPE_NORMAL;
        }
        for (String piece : fill) {
            tokens[id] = piece;
            scores[id] = -1000f - id * 1e-3f;
            types[id++] = TYPE_NORMAL;
        }
        return new SyntheticVocabulary(tokens, scores, types);
    }
}
