package dev.ember.tokenizer;

import org.agrona.collections.IntArrayList;

/**
 * One run of llama.cpp's SentencePiece merge ({@code llm_tokenizer_spm_session}) over one piece of
 * text whose spaces are already escaped to {@code ▁}:
 * <ol>
 *   <li>every code point starts as its own symbol, in a doubly linked list;</li>
 *   <li>every adjacent pair whose concatenation is a token becomes a candidate bigram;</li>
 *   <li>the candidate with the highest token score is merged, ties going to the leftmost; the
 *       merged symbol forms new candidates with its neighbours; repeat until none is left;</li>
 *   <li>each remaining symbol is emitted as its token, or, if it is not one, as the byte tokens
 *       of its UTF-8 encoding (byte fallback).</li>
 * </ol>
 * A candidate goes stale when one of its symbols has since merged with something else; it is then
 * skipped when it comes out of the queue, as llama.cpp does, by comparing lengths.
 *
 * <p>All state is per call: symbol and bigram arrays sized from the text (there are at most
 * {@code 3n} candidates for {@code n} code points: {@code n - 1} at the start and two per merge).
 */
final class SentencePieceMerge {
    private final CharSequence text;
    private final TokenLookup lookup;
    private final Vocabulary vocabulary;

    // symbols, one per code point at first: [start, end) in text; end == start once merged away
    private final int[] start;
    private final int[] end;
    private final int[] prev;
    private final int[] next;

    // candidate bigrams (left symbol, right symbol, combined length), and a binary max-heap of them whose
    // ordering key lives in the heap itself: comparing through an index into other arrays costs a cache
    // miss per comparison on long texts
    private final int[] bigramLeft;
    private final int[] bigramRight;
    private final int[] bigramLength;
    private int bigramCount;
    private final long[] heapKey;
    private final int[] heapBigram;
    private int heapSize;

    private SentencePieceMerge(CharSequence text, TokenLookup lookup, Vocabulary vocabulary) {
        this.text = text;
        this.lookup = lookup;
        this.vocabulary = vocabulary;
        int n = Character.codePointCount(text, 0, text.length());
        start = new int[n];
        end = new int[n];
        prev = new int[n];
        next = new int[n];
        int pos = 0;
        for (int i = 0; i < n; i++) {
            start[i] = pos;
            pos += Character.charCount(Character.codePointAt(text, pos));
            end[i] = pos;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        int capacity = 3 * n;
        bigramLeft = new int[capacity];
        bigramRight = new int[capacity];
        bigramLength = new int[capacity];
        heapKey = new long[capacity];
        heapBigram = new int[capacity];
    }

    /**
     * Tokenizes {@code text} (spaces already escaped) and appends the ids to {@code out}.
     *
     * @param byteTokens the token for each byte value, used for symbols that are not tokens
     */
    static void tokenize(CharSequence text, TokenLookup lookup, Vocabulary vocabulary, int[] byteTokens,
                         IntArrayList out) {
        if (text.isEmpty()) {
            return;
        }
        SentencePieceMerge merge = new SentencePieceMerge(text, lookup, vocabulary);
        merge.mergeAll();
        merge.emit(byteTokens, out);
    }

    private void mergeAll() {
        for (int i = 1; i < start.length; i++) {
            tryAddBigram(i - 1, i);
        }
        while (heapSize > 0) {
            int b = pop();
            int left = bigramLeft[b];
            int right = bigramRight[b];
            int leftLength = end[left] - start[left];
            int rightLength = end[right] - start[right];
            if (leftLength == 0 || rightLength == 0 || leftLength + rightLength != bigramLength[b]) {
                continue; // stale: one side merged with another neighbour since this was queued
            }
            end[left] = end[right];
            end[right] = start[right];
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            tryAddBigram(prev[left], left);
            tryAddBigram(left, next[left]);
        }
    }

    private void tryAddBigram(int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int token = lookup.find(text, start[left], end[right]);
        if (token < 0) {
            return;
        }
        int b = bigramCount++;
        bigramLeft[b] = left;
        bigramRight[b] = right;
        bigramLength[b] = end[right] - start[left];
        push(key(vocabulary.score(token), left), b);
    }

    private void emit(int[] byteTokens, IntArrayList out) {
        for (int i = 0; i >= 0; i = next[i]) {
            int token = lookup.find(text, start[i], end[i]);
            if (token >= 0) {
                out.addInt(token);
            } else {
                // A merged symbol is always a token, so this is a single code point the vocabulary
                // lacks. (llama.cpp's resegment would also split unknown merged symbols; none exist.)
                appendBytes(Character.codePointAt(text, start[i]), byteTokens, out);
            }
        }
    }

    private static void appendBytes(int cp, int[] byteTokens, IntArrayList out) {
        if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
            cp = 0xFFFD; // a lone surrogate has no UTF-8 form; the encoder would write U+FFFD
        }
        if (cp < 0x80) {
            out.addInt(byteToken(byteTokens, cp));
        } else if (cp < 0x800) {
            out.addInt(byteToken(byteTokens, 0xC0 | (cp >> 6)));
            out.addInt(byteToken(byteTokens, 0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.addInt(byteToken(byteTokens, 0xE0 | (cp >> 12)));
            out.addInt(byteToken(byteTokens, 0x80 | ((cp >> 6) & 0x3F)));
            out.addInt(byteToken(byteTokens, 0x80 | (cp & 0x3F)));
        } else {
            out.addInt(byteToken(byteTokens, 0xF0 | (cp >> 18)));
            out.addInt(byteToken(byteTokens, 0x80 | ((cp >> 12) & 0x3F)));
            out.addInt(byteToken(byteTokens, 0x80 | ((cp >> 6) & 0x3F)));
            out.addInt(byteToken(byteTokens, 0x80 | (cp & 0x3F)));
        }
    }

    private static int byteToken(int[] byteTokens, int b) {
        int token = byteTokens[b];
        if (token < 0) {
            throw new dev.ember.EmberException(String.format(
                    "tokenizer: byte 0x%02X has no <0x%02X> token and the vocabulary has no unknown token", b, b));
        }
        return token;
    }

    /**
     * The heap order as one number: a higher score first, then the leftmost bigram (llama.cpp's
     * comparator). The score's bits are made to sort as signed ints; -0 is folded into +0 because the
     * float comparison treats them as equal.
     */
    private static long key(float score, int left) {
        int bits = Float.floatToIntBits(score == 0.0f ? 0.0f : score);
        int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) sortable << 32) | (~left & 0xFFFFFFFFL);
    }

    private void push(long key, int b) {
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heapKey[parent] >= key) {
                break;
            }
            heapKey[i] = heapKey[parent];
            heapBigram[i] = heapBigram[parent];
            i = parent;
        }
        heapKey[i] = key;
        heapBigram[i] = b;
    }

    private int pop() {
        int top = heapBigram[0];
        int n = --heapSize;
        long key = heapKey[n];
        int b = heapBigram[n];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && heapKey[child + 1] > heapKey[child]) {
                child++;
            }
            if (heapKey[child] <= key) {
                break;
            }
            heapKey[i] = heapKey[child];
            heapBigram[i] = heapBigram[child];
            i = child;
        }
        if (n > 0) {
            heapKey[i] = key;
            heapBigram[i] = b;
        }
        return top;
    }
}
