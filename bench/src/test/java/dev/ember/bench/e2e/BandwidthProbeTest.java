package dev.ember.bench.e2e;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe returns a usable number; how large is for the machine to say, not a test. */
class BandwidthProbeTest {
    @Test
    void returnsAPositiveFiniteBandwidth() {
        for (int threads : new int[] {1, 2}) {
            double gbps = BandwidthProbe.measure(threads, 64L << 20, 3);
            assertTrue(gbps > 0 && Double.isFinite(gbps), threads + " threads: " + gbps + " GB/s");
        }
    }
}
