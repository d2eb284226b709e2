package dev.ember.sampling;

/**
 * The tokens still in the running, as parallel arrays (id, logit, probability), like llama.cpp's
 * {@code llama_token_data_array}. Allocated once at vocabulary size and refilled from the logits for
 * every token, so sampling allocates nothing. Steps shrink {@link #size()}, reorder, and a draw sets
 * {@link #selected()}.
 */
public final class Candidates {
    private final int[] ids;      // (capacity)
    private final float[] logits; // (capacity)
    private final float[] probs;  // (capacity), valid after softmax()
    private int size;
    private boolean sorted;
    private int selected = -1;

    /** @param capacity the vocabulary size */
    public Candidates(int capacity) {
        ids = new int[capacity];
        logits = new float[capacity];
        probs = new float[capacity];
    }

    /** @return the vocabulary size this buffer was made for */
    public int capacity() {
        return ids.length;
    }

    /** Refills from {@code src[offset .. offset+n)}: candidate i is token i, nothing selected. */
    public void load(float[] src, int offset, int n) {
        if (n > ids.length) {
            throw new IllegalArgumentException(n + " logits for candidates of capacity " + ids.length);
        }
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        System.arraycopy(src, offset, logits, 0, n);
        size = n;
        sorted = false;
        selected = -1;
    }

    /** @return how many candidates remain */
    public int size() {
        return size;
    }

    /** @return the token id of candidate i */
    public int id(int i) {
        return ids[i];
    }

    /** @return the logit of candidate i */
    public float logit(int i) {
        return logits[i];
    }

    /** Sets the logit of candidate i (a step that rescales; the order may no longer be sorted). */
    public void setLogit(int i, float value) {
        logits[i] = value;
        sorted = false;
    }

    /** Divides every logit by {@code divisor} > 0, which keeps the order. */
    public void divideLogits(float divisor) {
        for (int i = 0; i < size; i++) {
            logits[i] /= divisor;
        }
    }

    /** @return the probability of candidate i, valid after {@link #softmax()} */
    public float prob(int i) {
        return probs[i];
    }

    /** @return whether the candidates are in descending logit order */
    public boolean sorted() {
        return sorted;
    }

    /** @return the drawn candidate's index, or -1 if no draw happened yet */
    public int selected() {
        return selected;
    }

    /** @return the drawn token id */
    public int selectedId() {
        return ids[selected];
    }

    /** Marks candidate {@code index} as the drawn one. */
    public void select(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("candidate " + index + " of " + size);
        }
        selected = index;
    }

    /** @return the index of the highest logit, the lowest id among equal logits */
    public int argmax() {
        int best = 0;
        for (int i = 1; i < size; i++) {
            if (better(i, best)) {
                best = i;
            }
        }
        return best;
    }

    /** Keeps only candidates {@code [0, n)}. */
    public void truncate(int n) {
        size = Math.min(size, Math.max(n, 0));
    }

    /** Keeps candidate i at position {@code to} (to <= i): in-place, order-preserving compaction. */
    void moveTo(int i, int to) {
        ids[to] = ids[i];
        logits[to] = logits[i];
        probs[to] = probs[i];
    }

    /**
     * Brings the {@code k} best candidates to the front in descending order (ties by ascending id) and
     * keeps only them; k >= size sorts everything. A bounded heap: O(n log k), no allocation.
     */
    public void keepBest(int k) {
        int n = size;
        k = Math.min(k, n);
        if (k <= 0) {
            size = 0;
            return;
        }
        // a heap of the k best so far, the worst of them at the root
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(i, k);
        }
        for (int i = k; i < n; i++) {
            if (better(i, 0)) {
                swap(i, 0);
                siftDown(0, k);
            }
        }
        // heap sort of the front: repeatedly move the worst to the end of the shrinking heap
        for (int end = k - 1; end > 0; end--) {
            swap(0, end);
            siftDown(0, end);
        }
        size = k;
        sorted = true;
    }

    /** Sorts all candidates in descending logit order (no-op if already sorted). */
    public void sort() {
        if (!sorted) {
            keepBest(size);
        }
    }

    /** Sorts, then sets each candidate's probability to softmax over the remaining logits. */
    public void softmax() {
        sort();
        probabilities();
    }

    /** Sets probabilities as the softmax of the remaining logits, in their current order. */
    public void probabilities() {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logits[i]);
        }
        float sum = 0;
        for (int i = 0; i < size; i++) {
            float p = (float) Math.exp(logits[i] - max);
            probs[i] = p;
            sum += p;
        }
        for (int i = 0; i < size; i++) {
            probs[i] /= sum;
        }
    }

    void setSize(int n) {
        size = n;
    }

    /** @return whether candidate a ranks above b: higher logit, then lower id */
    private boolean better(int a, int b) {
        return logits[a] > logits[b] || (logits[a] == logits[b] && ids[a] < ids[b]);
    }

    private void siftDown(int i, int n) {
        for (;;) {
            int worst = i;
            int l = 2 * i + 1;
            int r = l + 1;
            if (l < n && better(worst, l)) {
                worst = l;
            }
            if (r < n && better(worst, r)) {
                worst = r;
            }
            if (worst == i) {
                return;
            }
            swap(i, worst);
            i = worst;
        }
    }

    private void swap(int a, int b) {
        int id = ids[a];
        ids[a] = ids[b];
        ids[b] = id;
        float l = logits[a];
        logits[a] = logits[b];
        logits[b] = l;
        float p = probs[a];
        probs[a] = probs[b];
        probs[b] = p;
    }

    @Override
    public String toString() {
        int n = Math.min(size, 8);
        StringBuilder sb = new StringBuilder("Candidates[size=").append(size).append(", ");
        for (int i = 0; i < n; i++) {
            sb.append(ids[i]).append(':').append(logits[i]).append(i + 1 < n ? " " : "");
        }
        return sb.append(size > n ? " ...]" : "]").append(sorted ? " sorted" : "")
                .append(selected >= 0 ? " selected=" + ids[selected] : "").toString();
    }
}
