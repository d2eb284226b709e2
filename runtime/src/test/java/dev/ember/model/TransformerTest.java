package dev.ember.model;

import dev.ember.EmberException;
import dev.ember.gguf.GgufFile;
import dev.ember.kernel.Kernels;
import dev.ember.kernel.ScalarKernels;
import dev.ember.kernel.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions: batching, chunking, rewinding, the context limit, and a decode step that allocates nothing. */
class TransformerTest {
    /** Batched and one-by-one runs do the same arithmetic per row; allow only float reassociation. */
    private static final double SAME_RESULT = 1e-5;
    private static final int[] TOKENS = {1, 7, 39, 3, 22, 15, 8, 30, 2, 11, 5, 17};

    @TempDir
    static Path dir;
    private static WorkerPool pool;
    private static Kernels kernels;
    private static GgufFile gguf;
    private static Transformer model;

    @BeforeAll
    static void load() {
        pool = new WorkerPool(2);
        kernels = new ScalarKernels(pool);
        Path f = dir.resolve("llama.gguf");
        ArchitectureFixtures.write(f, "llama", 7);
        gguf = GgufFile.open(f);
        model = Transformer.load(gguf);
    }

    @AfterAll
    static void close() {
        gguf.close();
        pool.close();
    }

    private static SessionState session(int context, int maxBatch) {
        return model.newState(kernels, context, maxBatch, DenseFeedForward.FACTORY);
    }

    private static float[] lastLogits(SessionState s) {
        return Arrays.copyOf(s.logits(), model.config().vocabSize());
    }

    @Test
    void oneBatchChunksAndSingleTokensGiveTheSameLogits() {
        SessionState batch = session(32, 16);
        model.forward(batch, TOKENS, 0, TOKENS.length, false);
        SessionState chunked = session(32, 5);
        model.forward(chunked, TOKENS, 0, TOKENS.length, false); // 5 + 5 + 2
        SessionState single = session(32, 1);
        for (int i = 0; i < TOKENS.length; i++) {
            model.forward(single, TOKENS, i, 1, false);
        }
        assertEquals(TOKENS.length, batch.position());
        assertEquals(TOKENS.length, chunked.position());
        assertClose(lastLogits(batch), lastLogits(chunked));
        assertClose(lastLogits(batch), lastLogits(single));
    }

    @Test
    void allLogitsRowsEqualTheLastTokenLogitsOfShorterRuns() {
        SessionState all = session(32, 16);
        model.forward(all, TOKENS, 0, 6, true);
        int vocab = model.config().vocabSize();
        for (int n = 1; n <= 6; n++) {
            SessionState s = session(32, 16);
            model.forward(s, TOKENS, 0, n, false);
            assertClose(Arrays.copyOfRange(all.logits(), (n - 1) * vocab, n * vocab), lastLogits(s));
        }
    }

    @Test
    void sessionsOnSeveralThreadsShareOneModel() throws Exception {
        SessionState alone = session(32, 4);
        model.forward(alone, TOKENS, 0, TOKENS.length, false);
        float[] expected = lastLogits(alone);
        float[][] results = new float[4][];
        Thread[] threads = new Thread[results.length];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            // each session has its own kernels (they hold scratch); the pool is shared
            SessionState s = model.newState(new ScalarKernels(pool), 32, 4, DenseFeedForward.FACTORY);
            threads[t] = new Thread(() -> {
                for (int i = 0; i < TOKENS.length; i++) {
                    model.forward(s, TOKENS, i, 1, false);
                }
                results[id] = lastLogits(s);
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        for (float[] r : results) {
            assertClose(expected, r);
        }
    }

    @Test
    void rewindRerunsASuffix() {
        SessionState s = session(32, 16);
        model.forward(s, TOKENS, 0, TOKENS.length, false);
        float[] first = lastLogits(s);
        s.rewind(4);
        assertEquals(4, s.position());
        model.forward(s, TOKENS, 4, TOKENS.length - 4, false);
        assertArrayEquals(first, lastLogits(s));
        s.reset();
        model.forward(s, TOKENS, 0, TOKENS.length, false);
        assertArrayEquals(first, lastLogits(s));
        assertThrows(IllegalArgumentException.class, () -> s.rewind(TOKENS.length + 1));
    }

    @Test
    void aPromptPastTheContextIsAClearError() {
        SessionState s = session(8, 16);
        EmberException e = assertThrows(EmberException.class, () -> model.forward(s, TOKENS, 0, 9, false));
        assertTrue(e.getMessage().contains("context of 8"), e.getMessage());
        assertEquals(0, s.position(), "nothing was run");
        model.forward(s, TOKENS, 0, 8, false);
        assertThrows(EmberException.class, () -> model.forward(s, TOKENS, 8, 1, false));
    }

    @Test
    void aTokenOutsideTheVocabularyIsAClearError() {
        SessionState s = session(8, 4);
        int[] bad = {1, model.config().vocabSize()};
        EmberException e = assertThrows(EmberException.class, () -> model.forward(s, bad, 0, 2, false));
        assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
    }

    /**
     * Measured on the calling thread once the JIT has compiled the loop (interpreted code allocates wrappers
     * that compiled code scalar-replaces): a step that allocated anything would allocate in every window, while
     * a recompilation only disturbs one, so the best of several windows must be zero.
     */
    @Test
    void decodeAllocatesNothing() throws Throwable {
        SessionState s = session(64, 8);
        model.forward(s, TOKENS, 0, 8, true); // kernels size their scratch on first use
        int[] token = {3};
        MethodHandle allocated = allocatedBytesOfThisThread();
        long best = Long.MAX_VALUE;
        for (int window = 0; window < 8; window++) {
            for (int i = 0; i < 300; i++) {
                s.rewind(8);
                model.forward(s, token, 0, 1, false);
            }
            long before = (long) allocated.invokeExact();
            for (int i = 0; i < 32; i++) {
                s.rewind(8);
                model.forward(s, token, 0, 1, false);
            }
            best = Math.min(best, (long) allocated.invokeExact() - before);
        }
        assertEquals(0, best, "bytes allocated by 32 warm decode steps on the calling thread (best window)");
    }

    /**
     * {@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes(currentThreadId)} as a handle of type ()long,
     * found reflectively because the runtime module does not read java.management (tests run on the class path).
     */
    private static MethodHandle allocatedBytesOfThisThread() throws Throwable {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        MethodHandle h = MethodHandles.publicLookup().findVirtual(Class.forName("com.sun.management.ThreadMXBean"),
                "getThreadAllocatedBytes", MethodType.methodType(long.class, long.class));
        h = MethodHandles.insertArguments(h.bindTo(bean), 0, Thread.currentThread().threadId());
        long warm = (long) h.invokeExact(); // links the call site before anything is measured
        return h;
    }

    private static void assertClose(float[] expected, float[] actual) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(max <= SAME_RESULT, "max |Δlogit| " + max);
    }
}
