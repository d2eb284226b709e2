package dev.ember.tokenizer;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Object2IntHashMap;

/**
 * {@code tokenizer.ggml.merges} as a lookup: the rank of merging a left and a right piece, which is
 * the merge's index in the list (the first occurrence wins, as in llama.cpp's
 * {@code bpe_ranks.emplace}).
 *
 * <p>Almost every merge joins two vocabulary tokens, so those are keyed by the pair of token ids in
 * one primitive map, found without building a string either here or while encoding. The rare merge
 * with a half that is no token is kept by its text. Immutable and thread-safe once built.
 */
final class BpeMergeRanks {
    /** Returned when no merge exists. */
    static final int NONE = -1;

    private final Long2LongHashMap byIds;           // (leftId << 32 | rightId) -> rank
    private final Object2IntHashMap<String> byText; // "left right" -> rank, for halves that are no token

    BpeMergeRanks(String[] merges, TokenLookup tokens) {
        this.byIds = new Long2LongHashMap(Math.max(16, merges.length * 2), 0.65f, NONE);
        this.byText = new Object2IntHashMap<>(16, 0.65f, NONE);
        for (int rank = 0; rank < merges.length; rank++) {
            String merge = merges[rank];
            int space = merge.indexOf(' ', 1); // llama.cpp splits at the first space after the first char
            if (space < 0) {
                continue; // llama.cpp records an empty pair, which no piece can ever match
            }
            int leftId = tokens.find(merge, 0, space);
            int rightId = tokens.find(merge, space + 1, merge.length());
            if (leftId >= 0 && rightId >= 0) {
                byIds.putIfAbsent(key(leftId, rightId), rank);
            } else {
                byText.putIfAbsent(merge, rank);
            }
        }
    }

    /** @return the rank of merging two tokens, or {@link #NONE} */
    int find(int leftId, int rightId) {
        return (int) byIds.get(key(leftId, rightId));
    }

    /** @return the rank of merging two pieces given by text (pieces that are no token), or {@link #NONE} */
    int find(String left, String right) {
        return byText.isEmpty() ? NONE : byText.getValue(left + ' ' + right);
    }

    /** @return whether some merge has a half that is no token, so that text lookups can succeed */
    boolean hasTextMerges() {
        return !byText.isEmpty();
    }

    private static long key(int leftId, int rightId) {
        return ((long) leftId << 32) | rightId;
    }
}
