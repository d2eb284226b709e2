package dev.ember.sparsity;

/**
 * The k-th smallest of an array's first n values in expected O(n), in place: the per-token cut of a top-k
 * selection (CoreInfer's core neurons, TEAL's input threshold), where a sort per token would dominate.
 */
public final class Quickselect {
    private Quickselect() {
    }

    /**
     * @return the value that would be at index {@code rank} of {@code a[0..n)} sorted ascending; reorders
     *         {@code a[0..n)}. Values must not be NaN, so plain comparisons order them.
     */
    public static float kthSmallest(float[] a, int n, int rank) {
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            // median of three as pivot; three-way partition so runs of equal values finish at once
            int mid = (lo + hi) >>> 1;
            float pivot = median(a[lo], a[mid], a[hi]);
            int lt = lo;
            int gt = hi;
            int i = lo;
            while (i <= gt) {
                float v = a[i];
                if (v < pivot) {
                    a[i++] = a[lt];
                    a[lt++] = v;
                } else if (v > pivot) {
                    a[i] = a[gt];
                    a[gt--] = v;
                } else {
                    i++;
                }
            }
            // now a[lo..lt) < pivot, a[lt..gt] == pivot, a(gt..hi] > pivot
            if (rank < lt) {
                hi = lt - 1;
            } else if (rank > gt) {
                lo = gt + 1;
            } else {
                return pivot;
            }
        }
        return a[lo];
    }

    private static float median(float x, float y, float z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }
}
