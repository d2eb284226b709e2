package dev.ember.tokenizer;

import java.util.Arrays;

/**
 * Token text to id for a range of characters, without building a substring: the merge loops of
 * the SentencePiece and WordPiece tokenizers ask "is text[start, end) a token?" once per candidate,
 * and allocating a String for each question would dominate their cost.
 *
 * <p>An open-addressing table of token ids keyed by the String hash of the token text. When a text
 * occurs twice in a vocabulary the lower id wins, as in {@link Vocabulary#id(String)}. Immutable
 * and thread-safe.
 */
final class TokenLookup {
    private final Vocabulary vocabulary;
    private final int[] slots; // token id per slot, -1 = empty; length is a power of two
    private final int mask;
    private final int shift; // 32 - log2(slots.length), for Fibonacci hashing
    private final int maxLength; // longest token, in chars

    TokenLookup(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        int n = vocabulary.size();
        int capacity = Integer.highestOneBit(Math.max(16, n * 2 - 1)) << 1; // load factor below 1/2
        this.slots = new int[capacity];
        this.mask = capacity - 1;
        this.shift = 32 - Integer.numberOfTrailingZeros(capacity);
        Arrays.fill(slots, -1);
        int longest = 0;
        for (int id = 0; id < n; id++) {
            String text = vocabulary.token(id);
            longest = Math.max(longest, text.length());
            int slot = slot(text.hashCode());
            while (slots[slot] >= 0 && !vocabulary.token(slots[slot]).equals(text)) {
                slot = (slot + 1) & mask;
            }
            if (slots[slot] < 0) {
                slots[slot] = id;
            }
        }
        this.maxLength = longest;
    }

    /**
     * Spreads a String hash over the table: the low bits of String.hashCode cluster for texts that
     * share a prefix, and linear probing turns clusters into long scans on every miss.
     */
    private int slot(int hash) {
        return (hash * 0x9E3779B9) >>> shift;
    }

    /** @return the length in chars of the longest token text */
    int maxLength() {
        return maxLength;
    }

    /** @return the id of the token whose text is {@code text[start, end)}, or {@link Vocabulary#NONE} */
    int find(CharSequence text, int start, int end) {
        int length = end - start;
        if (length > maxLength || length <= 0) {
            return Vocabulary.NONE;
        }
        int hash = 0;
        for (int i = start; i < end; i++) {
            hash = 31 * hash + text.charAt(i); // String.hashCode over the range
        }
        for (int slot = slot(hash); slots[slot] >= 0; slot = (slot + 1) & mask) {
            String candidate = vocabulary.token(slots[slot]);
            if (candidate.length() == length && regionEquals(candidate, text, start)) {
                return slots[slot];
            }
        }
        return Vocabulary.NONE;
    }

    private static boolean regionEquals(String candidate, CharSequence text, int start) {
        for (int i = 0; i < candidate.length(); i++) {
            if (candidate.charAt(i) != text.charAt(start + i)) {
                return false;
            }
        }
        return true;
    }
}
