package dev.ember.kernels.ffm;

import dev.ember.Required;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Whether the native tests run: skipped, with the reason, where the library cannot load (no compiler at build
 * time, another platform, a CPU without the instructions); but on linux-x86_64, where the build always has a
 * compiler, a missing library is {@link Required}: a failure under {@code CI=true}, not a skip.
 */
public final class NativeTests {
    private NativeTests() {
    }

    /** Skips the calling test where the library cannot load, or fails it where it must load (CI on x86-64). */
    public static void assumeLibraryLoads() {
        String why = NativeLibrary.unavailableReason();
        if (NativeLibrary.platform().equals("linux-x86_64")) {
            Required.that(why == null, "the native library must load on linux-x86_64: " + why);
        }
        assumeTrue(why == null, "native kernels unavailable: " + why);
    }
}
