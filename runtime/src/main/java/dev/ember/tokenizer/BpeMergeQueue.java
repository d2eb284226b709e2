package dev.ember.tokenizer;

import java.util.Arrays;

/**
 * The candidate merges of one word, lowest rank first and, among equal ranks, leftmost first:
 * llama.cpp's {@code llm_bigram_bpe} priority queue. A binary heap over primitive arrays; entries
 * that went stale (a side was merged since) are left in and skipped by the caller, as llama.cpp does.
 *
 * <p>Per-call scratch: not thread-safe. After {@link #pop()}, the popped entry is in {@link #left},
 * {@link #right} and {@link #length}.
 */
final class BpeMergeQueue {
    private long[] keys = new long[64];   // rank << 32 | left symbol: the heap order
    private int[] rights = new int[64];
    private int[] lengths = new int[64];  // chars of left + right when queued, to detect stale entries
    private int size;

    /** Left symbol index of the entry last popped. */
    int left;
    /** Right symbol index of the entry last popped. */
    int right;
    /** Combined length in chars of both symbols when the entry was queued. */
    int length;

    void clear() {
        size = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void push(int rank, int leftSymbol, int rightSymbol, int mergedLength) {
        if (size == keys.length) {
            int n = size * 2;
            keys = Arrays.copyOf(keys, n);
            rights = Arrays.copyOf(rights, n);
            lengths = Arrays.copyOf(lengths, n);
        }
        int i = size++;
        long key = ((long) rank << 32) | leftSymbol;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, key, rightSymbol, mergedLength);
    }

    /** Removes the lowest entry into the public fields. */
    void pop() {
        left = (int) keys[0];
        right = rights[0];
        length = lengths[0];
        int last = --size;
        if (last == 0) {
            return;
        }
        long key = keys[last];
        int r = rights[last];
        int l = lengths[last];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= last) {
                break;
            }
            if (child + 1 < last && keys[child + 1] < keys[child]) {
                child++;
            }
            if (key <= keys[child]) {
                break;
            }
            move(child, i);
            i = child;
        }
        set(i, key, r, l);
    }

    private void move(int from, int to) {
        set(to, keys[from], rights[from], lengths[from]);
    }

    private void set(int i, long key, int r, int l) {
        keys[i] = key;
        rights[i] = r;
        lengths[i] = l;
    }
}
