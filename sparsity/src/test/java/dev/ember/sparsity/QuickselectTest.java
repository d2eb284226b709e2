package dev.ember.sparsity;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QuickselectTest {
    @Test
    void kthSmallestFindsEveryRank() {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(60);
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = 1 + rnd.nextInt(trial % 2 == 0 ? 4 : 1000);
            }
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            int rank = rnd.nextInt(n);
            assertEquals(sorted[rank], Quickselect.kthSmallest(a.clone(), n, rank), "trial " + trial);
        }
    }

    @Test
    void kthSmallestWithManyTies() {
        SplittableRandom r = new SplittableRandom(3);
        for (int n : new int[] {1, 2, 7, 64, 2048}) {
            float[] m = new float[n];
            for (int i = 0; i < n; i++) {
                m[i] = r.nextInt(50) / 7f; // ties on purpose
            }
            float[] sorted = m.clone();
            Arrays.sort(sorted);
            for (int k : new int[] {0, n / 3, n / 2, n - 1}) {
                assertEquals(sorted[k], Quickselect.kthSmallest(m.clone(), n, k), "n " + n + ", k " + k);
            }
        }
    }
}
