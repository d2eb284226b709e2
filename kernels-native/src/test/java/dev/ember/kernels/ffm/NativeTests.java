package dev.ember.kernels.ffm;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Whether the native tests run: skipped, with the reason, where the library cannot load (no compiler at build
 * time, another platform, a CPU without the instructions); but under {@code CI=true} on linux-x86_64, where the
 * build always has a compiler, a missing library is a failure, not a skip.
 */
public final class NativeTests {
    private NativeTests() {
    }

    /** Skips the calling test where the library cannot load, or fails it where it must load (CI on x86-64). */
    public static void assumeLibraryLoads() {
        String why = NativeLibrary.unavailableReason();
        if ("true".equals(System.getenv("CI")) && NativeLibrary.platform().equals("linux-x86_64")) {
            assertNull(why, "CI=true on linux-x86_64: the native library must load");
        }
        assumeTrue(why == null, "native kernels unavailable: " + why);
    }
}
