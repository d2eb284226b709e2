package dev.ember.tokenizer;

import org.agrona.collections.IntArrayList;

import java.util.Arrays;

/**
 * Byte-level BPE within one word, as llama.cpp's {@code llm_tokenizer_bpe_session}: start from one
 * symbol per stand-in character, repeatedly apply the lowest-ranked merge among adjacent symbols
 * (leftmost first among equal ranks), then emit each symbol's token. A symbol that is no token
 * falls back to the tokens of its single ASCII characters (llama.cpp looks up each of its UTF-8
 * bytes alone, and only ASCII bytes can be whole tokens). With {@code ignoreMerges}, a word that is
 * a token as a whole is emitted as that token.
 *
 * <p>Per-call scratch that grows to the longest word: not thread-safe; make one per encode call.
 */
final class BpeWordMerger {
    private final TokenLookup tokens;
    private final BpeMergeRanks ranks;
    private final int[] charTokens; // token of each single stand-in char, or -1
    private final boolean ignoreMerges;
    private final BpeMergeQueue queue = new BpeMergeQueue();

    // the symbols of the current word: a linked list over these arrays, text[start, start + length)
    private String text;
    private int[] start = new int[32];
    private int[] length = new int[32];
    private int[] prev = new int[32];
    private int[] next = new int[32];
    private int[] token = new int[32]; // token of the symbol's text, or -1

    BpeWordMerger(TokenLookup tokens, BpeMergeRanks ranks, int[] charTokens, boolean ignoreMerges) {
        this.tokens = tokens;
        this.ranks = ranks;
        this.charTokens = charTokens;
        this.ignoreMerges = ignoreMerges;
    }

    /** Tokenizes the word {@code text[from, to)}, in stand-in characters, and appends its tokens. */
    void encode(String text, int from, int to, IntArrayList out) {
        if (from >= to) {
            return;
        }
        if (ignoreMerges) {
            int whole = tokens.find(text, from, to);
            if (whole >= 0) {
                out.addInt(whole);
                return;
            }
        }
        this.text = text;
        int n = to - from;
        ensureCapacity(n);
        for (int i = 0; i < n; i++) {
            start[i] = from + i;
            length[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            token[i] = charTokens[text.charAt(from + i)];
        }
        queue.clear();
        for (int i = 1; i < n; i++) {
            queueMerge(i - 1, i);
        }
        while (!queue.isEmpty()) {
            queue.pop();
            int l = queue.left;
            int r = queue.right;
            // stale: one side was merged away, or the right side grew since this entry was queued
            if (length[l] == 0 || length[r] == 0 || length[l] + length[r] != queue.length) {
                continue;
            }
            length[l] += length[r];
            length[r] = 0;
            token[l] = tokens.find(text, start[l], start[l] + length[l]);
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            queueMerge(prev[l], l);
            queueMerge(l, next[l]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            emit(i, out);
        }
    }

    private void queueMerge(int l, int r) {
        if (l < 0 || r < 0) {
            return;
        }
        int rank;
        if (token[l] >= 0 && token[r] >= 0) {
            rank = ranks.find(token[l], token[r]);
        } else if (ranks.hasTextMerges()) {
            rank = ranks.find(text.substring(start[l], start[l] + length[l]),
                    text.substring(start[r], start[r] + length[r]));
        } else {
            return;
        }
        if (rank != BpeMergeRanks.NONE) {
            queue.push(rank, l, r, length[l] + length[r]);
        }
    }

    private void emit(int symbol, IntArrayList out) {
        if (token[symbol] >= 0) {
            out.addInt(token[symbol]);
            return;
        }
        for (int k = start[symbol]; k < start[symbol] + length[symbol]; k++) {
            char c = text.charAt(k);
            if (c < 0x80 && charTokens[c] >= 0) {
                out.addInt(charTokens[c]);
            }
        }
    }

    private void ensureCapacity(int n) {
        if (start.length < n) {
            int size = Math.max(n, start.length * 2);
            start = Arrays.copyOf(start, size);
            length = Arrays.copyOf(length, size);
            prev = Arrays.copyOf(prev, size);
            next = Arrays.copyOf(next, size);
            token = Arrays.copyOf(token, size);
        }
    }
}
