package dev.ember.bench.e2e;

import dev.ember.LoadOptions;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.kernel.Kernels;
import dev.ember.model.DenseFeedForward;
import dev.ember.model.FeedForward;
import dev.ember.model.LayerWeights;
import dev.ember.model.SparsityStats;
import dev.ember.model.Weights;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The end-to-end measurement behind {@code ember bench}: prefill and decode tokens per second on one model,
 * the read bandwidth of the machine in the same run, and how close decode comes to the bound
 * {@code bandwidth / bytesPerToken} (DESIGN.md section 7).
 *
 * <pre>
 * EndToEndBench.Result r = EndToEndBench.run(path, new EndToEndBench.Settings(2, 128, 64, null, "none", 3));
 * System.out.println(r.decodeTokensPerSecond() + " tok/s at " + r.efficiency() * 100 + " % of the bound");
 * </pre>
 *
 * One repetition empties the cache, evaluates P random prompt tokens as one batch (prefill), then decodes G
 * tokens one at a time, each fed the argmax of the previous logits (greedy, as a real decode). One untimed
 * repetition warms the JIT first; the reported speeds are the medians of the timed ones. The read bandwidth is
 * probed before the first and after every timed repetition, and the best pass is the bound.
 */
public final class EndToEndBench {
    /**
     * What to run.
     *
     * @param threads      threads per operation (0 = every core)
     * @param promptTokens P, the prefill batch
     * @param genTokens    G, the decoded tokens
     * @param kernels      the kernels by name, or null for the best available
     * @param sparsity     the sparsity spec; only "none" runs today
     * @param repetitions  timed repetitions (the median is reported)
     */
    public record Settings(int threads, int promptTokens, int genTokens, String kernels, String sparsity,
                           int repetitions, int backgroundThreads, boolean repack) {
        /** Settings without competing load, repacked copies allowed. */
        public Settings(int threads, int promptTokens, int genTokens, String kernels, String sparsity,
                        int repetitions) {
            this(threads, promptTokens, genTokens, kernels, sparsity, repetitions, 0, true);
        }
    }

    /**
     * Decode sharing the CPU ({@code --background-load N}): N busy threads started and stopped by the bench,
     * repetitions alternating with idle ones.
     *
     * @param threads              the busy threads
     * @param idleTokensPerSecond  decode speed with none (median)
     * @param loadedTokensPerSecond decode speed with them running (median)
     */
    public record Background(int threads, double idleTokensPerSecond, double loadedTokensPerSecond) {
        /** @return loaded over idle decode speed */
        public double ratio() {
            return loadedTokensPerSecond / idleTokensPerSecond;
        }
    }

    /**
     * What was measured; speeds in tokens per second, bandwidth in GB/s (10^9 bytes).
     *
     * @param quant                  the type holding most of the weight bytes (a synthetic model's only type)
     * @param kernelsIsa             the instructions they run on as their provider names them ("avx2"), or null
     * @param loadAverage            the one-minute load average before measuring (-1 if the OS has none)
     * @param allocatedBytesPerToken heap bytes allocated per decoded token by the caller and the workers
     * @param denseDecodeTokensPerSecond with a sparsity spec, the dense decode speed measured in the same
     *                               process, repetitions alternating with the sparse ones; NaN when dense
     * @param layerSparsity          with a sparsity spec, per layer the share of FFN neurons skipped over the
     *                               timed decode tokens; empty when dense
     * @param sparseMillisPerToken   with a sparsity spec, mean milliseconds per decoded token over the timed
     *                               repetitions in the sparse FFN's phases (select, ffn:
     *                               {@link SparsityStats.Phase}, summed over layers) and in the rest (attention,
     *                               output layer, norms); empty when dense
     * @param denseFfnGbPerSecond    the rate at which dense decode streams the FFN's weights (gate, up, down of
     *                               every layer) while its FFN runs, in GB/s
     * @param sparseFfnGbPerSecond   with a sparsity spec, the rate at which the sparse pass reads its chosen
     *                               neurons' rows (up, neuron-major down, and gate unless the selector computed
     *                               the dense gate) while it runs; NaN when dense
     * @param sparseFfnBytesPerToken with a sparsity spec, those bytes per decoded token; 0 when dense
     * @param hugePageBytes          anonymous memory the OS backs with huge pages after the run (the repacked
     *                               copies and bundles ask for them), from /proc/self/smaps_rollup; -1 if unknown
     * @param attentionSparsity      with {@code attn:}, the share of attention projection weight bytes the timed
     *                               decode tokens skipped; NaN when the attention ran dense
     * @param rssBytes               the process's resident memory after the run (VmRSS), -1 if the OS does not say
     * @param repackedBytes          bytes the kernel providers' repacked weight copies hold after the run
     * @param background             decode with competing busy threads, or null when not asked for
     */
    public record Result(String quant, String kernels, String kernelsIsa, int threads, String sparsity, double prefillTokensPerSecond,
                         double decodeTokensPerSecond, long bytesPerToken, double bandwidthGbPerSecond,
                         double loadAverage, double allocatedBytesPerToken, double denseDecodeTokensPerSecond,
                         double[] layerSparsity, double[] sparseMillisPerToken, double denseFfnGbPerSecond,
                         double sparseFfnGbPerSecond, double sparseFfnBytesPerToken, long hugePageBytes,
                         double attentionSparsity, long rssBytes, long repackedBytes, Background background) {
        /** @return sparse decode speed over dense decode speed (NaN when dense) */
        public double speedup() {
            return decodeTokensPerSecond / denseDecodeTokensPerSecond;
        }

        /** @return the share of FFN neurons skipped, averaged over layers (0 when dense) */
        public double sparsityAchieved() {
            return Arrays.stream(layerSparsity).average().orElse(0);
        }

        /** @return decode speed over the bandwidth bound: {@code decode / (bandwidth / bytesPerToken)} */
        public double efficiency() {
            return decodeTokensPerSecond / (bandwidthGbPerSecond * 1e9 / bytesPerToken);
        }
    }

    private EndToEndBench() {
    }

    /** Loads the model at {@code path}, measures it and the machine, and closes it. */
    public static Result run(Path path, Settings s) {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        LoadOptions loadOptions = LoadOptions.builder().threads(s.threads()).kernels(s.kernels()).repack(s.repack())
                .build();
        SessionOptions sessionOptions = SessionOptions.builder().sparsity(s.sparsity())
                .contextLength(s.promptTokens() + s.genTokens() + 1).maxBatch(Math.max(1, s.promptTokens())).build();
        try (Model model = Model.load(path, loadOptions)) {
            long bytesPerToken = BytesPerToken.of(model.gguf().tensorInfos());
            // probed before and after every repetition, the best kept: the bound should be what the machine
            // could read while decode ran, and other tenants come and go within a run
            double bandwidth = BandwidthProbe.measure(model.threads(), BandwidthProbe.DEFAULT_BYTES, 3);
            boolean sparse = !sessionOptions.sparsity().equals(SessionOptions.DENSE);
            // the dense FFN is timed (TimedDenseFeedForward) for the rate at which it streams its weights
            Session session = sparse ? model.newSession(sessionOptions)
                    : model.newSession(sessionOptions, TimedDenseFeedForward.FACTORY);
            Session dense = sparse ? model.newSession(SessionOptions.builder()
                    .contextLength(sessionOptions.contextLength()).maxBatch(sessionOptions.maxBatch()).build(),
                    TimedDenseFeedForward.FACTORY) : null;
            Session timedDense = sparse ? dense : session;
            int[] prompt = new SplittableRandom(7).ints(s.promptTokens(), 0, model.config().vocabSize()).toArray();
            for (int w = 0; w < 2; w++) { // warm-up: one short pass can leave attention to the JIT's first tier
                repetition(session, prompt, s.genTokens());
                if (sparse) {
                    repetition(dense, prompt, s.genTokens());
                }
            }
            double[] prefill = new double[s.repetitions()];
            double[] decode = new double[s.repetitions()];
            double[] denseDecode = new double[s.repetitions()];
            double[] layerSparsity = new double[0];
            double[] phases = new double[0];
            long decodeNanos = 0;
            long[] phaseNanos = new long[SparsityStats.Phase.values().length];
            long sparseFfnBytes = 0;
            long denseFfnNanos = 0;
            long denseFfnBytes = 0;
            Allocation allocation = new Allocation();
            for (int r = 0; r < s.repetitions(); r++) {
                if (sparse) { // alternating with the sparse repetitions: both see the same machine
                    denseDecode[r] = s.genTokens() * 1e9 / repetition(dense, prompt, s.genTokens(), new Allocation())[1];
                }
                long[] nanos = repetition(session, prompt, s.genTokens(), allocation);
                decodeNanos += nanos[1];
                // the stats hold each session's last repetition's decode (repetition resets them before it)
                denseFfnNanos += timedDense.sparsityStats().nanos(SparsityStats.Phase.FFN);
                denseFfnBytes += timedDense.sparsityStats().ffnBytes();
                boolean sparseFfn = sparse && session.sparsityStats() != null && session.sparsityStats().countsFfn();
                if (sparseFfn) { // an attn-only spec has a dense FFN: no FFN counts
                    for (SparsityStats.Phase p : SparsityStats.Phase.values()) {
                        phaseNanos[p.ordinal()] += session.sparsityStats().nanos(p);
                    }
                    sparseFfnBytes += session.sparsityStats().ffnBytes();
                }
                bandwidth = Math.max(bandwidth, BandwidthProbe.measure(model.threads(), BandwidthProbe.DEFAULT_BYTES, 2));
                prefill[r] = s.promptTokens() * 1e9 / nanos[0];
                decode[r] = s.genTokens() * 1e9 / nanos[1];
            }
            double attentionSparsity = session.sparsityStats() == null ? Double.NaN
                    : session.sparsityStats().attentionSparsity();
            if (sparse && session.sparsityStats() != null && session.sparsityStats().countsFfn()) {
                SparsityStats stats = session.sparsityStats();
                layerSparsity = new double[stats.layers()];
                for (int l = 0; l < layerSparsity.length; l++) {
                    layerSparsity[l] = stats.sparsity(l);
                }
                // mean milliseconds per decoded token over the timed repetitions: select, rows, down, then the rest
                long tokens = (long) s.repetitions() * s.genTokens();
                phases = new double[phaseNanos.length + 1];
                long inFfn = 0;
                for (int p = 0; p < phaseNanos.length; p++) {
                    phases[p] = phaseNanos[p] / 1e6 / tokens;
                    inFfn += phaseNanos[p];
                }
                phases[phaseNanos.length] = (decodeNanos - inFfn) / 1e6 / tokens;
            }
            long tokens = (long) s.repetitions() * s.genTokens();
            double allocated = (double) allocation.total / tokens;
            // llama.cpp's mixes by their name (a Q4_K_M file is mostly Q4_K, but is not a Q4_K file)
            long fileType = model.gguf().metadata().contains("general.file_type")
                    ? model.gguf().metadata().getLong("general.file_type") : -1;
            String quant = fileType == 15 ? "Q4_K_M" : fileType == 17 ? "Q5_K_M" : fileType == 12 ? "Q3_K_M"
                    : BytesPerToken.mainType(model.gguf().tensorInfos()).name();
            long sparseFfnNanos = phaseNanos[SparsityStats.Phase.FFN.ordinal()];
            return new Result(quant, model.kernels(), model.kernelInstructionSet(), model.threads(), session.options().sparsity(), median(prefill),
                    median(decode), bytesPerToken, bandwidth, load, allocated,
                    sparse ? median(denseDecode) : Double.NaN, layerSparsity, phases,
                    (double) denseFfnBytes / denseFfnNanos, sparse ? (double) sparseFfnBytes / sparseFfnNanos
                    : Double.NaN, sparse ? (double) sparseFfnBytes / tokens : 0, hugePageBytes(), attentionSparsity,
                    rssBytes(), repackedBytes(), background(session, prompt, s));
        }
    }

    /**
     * Decode alone and with {@code s.backgroundThreads()} busy threads, repetitions alternating, so both see the
     * same machine. @return null when no background load was asked for
     */
    private static Background background(Session session, int[] prompt, Settings s) {
        if (s.backgroundThreads() <= 0) {
            return null;
        }
        double[] idle = new double[s.repetitions()];
        double[] loaded = new double[s.repetitions()];
        for (int r = 0; r < s.repetitions(); r++) {
            idle[r] = s.genTokens() * 1e9 / repetition(session, prompt, s.genTokens(), new Allocation())[1];
            try (BusyThreads busy = BusyThreads.start(s.backgroundThreads())) {
                loaded[r] = s.genTokens() * 1e9 / repetition(session, prompt, s.genTokens(), new Allocation())[1];
            }
        }
        return new Background(s.backgroundThreads(), median(idle), median(loaded));
    }

    /** @return VmRSS of /proc/self/status in bytes, or -1 where the OS does not say */
    static long rssBytes() {
        return procKiB("/proc/self/status", "VmRSS:");
    }

    /** @return AnonHugePages of /proc/self/smaps_rollup in bytes, or -1 where the OS does not say */
    static long hugePageBytes() {
        return procKiB("/proc/self/smaps_rollup", "AnonHugePages:");
    }

    /** @return the kB value of the line starting with {@code key} in a /proc file, in bytes; -1 if not Linux */
    private static long procKiB(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no such file: unknown
        }
        return -1;
    }

    /** @return the repacked weight copies every kernel provider holds */
    static long repackedBytes() {
        return dev.ember.kernel.KernelSelection.providers().stream()
                .mapToLong(dev.ember.kernel.KernelProvider::repackedBytes).sum();
    }

    private static void repetition(Session session, int[] prompt, int gen) {
        repetition(session, prompt, gen, new Allocation());
    }

    /** @return {prefill, decode} nanoseconds; the decode loop's allocation is added to {@code allocation} */
    private static long[] repetition(Session session, int[] prompt, int gen, Allocation allocation) {
        session.reset();
        int[] next = new int[1];
        long t0 = System.nanoTime();
        float[] logits = session.evaluate(prompt, 0, prompt.length, false);
        long t1 = System.nanoTime();
        if (session.sparsityStats() != null) {
            session.sparsityStats().reset(); // the report's sparsity is the decode tokens'
        }
        allocation.start();
        long t2 = System.nanoTime();
        for (int i = 0; i < gen; i++) {
            next[0] = argmax(logits, session.model().config().vocabSize());
            logits = session.evaluate(next, 0, 1, false);
        }
        long t3 = System.nanoTime();
        allocation.stop();
        return new long[] {t1 - t0, t3 - t2};
    }

    private static int argmax(float[] logits, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** Heap bytes allocated by the calling thread and the pool's workers between start and stop. */
    private static final class Allocation {
        private final com.sun.management.ThreadMXBean bean =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        private long[] ids = new long[0];
        private long before;
        long total;

        void start() {
            List<Long> found = new ArrayList<>();
            found.add(Thread.currentThread().threadId());
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("ember-worker-")) {
                    found.add(t.threadId());
                }
            }
            ids = found.stream().mapToLong(Long::longValue).toArray();
            before = sum();
        }

        void stop() {
            total += sum() - before;
        }

        /** Sums one id at a time: the array-taking variant would allocate its result inside the window. */
        private long sum() {
            long s = 0;
            for (long id : ids) {
                s += Math.max(0, bean.getThreadAllocatedBytes(id));
            }
            return s;
        }
    }

    /**
     * The dense FFN with its time and the weight bytes it streams (gate, up and down of the layer, per token) kept
     * as a {@link SparsityStats} FFN phase, so the harness can report the rate the sparse pass is measured against.
     */
    private static final class TimedDenseFeedForward implements FeedForward {
        static final FeedForward.Factory FACTORY = TimedDenseFeedForward::new;

        private final FeedForward dense;
        private final SparsityStats stats;
        private final long[] layerBytes; // (layers) gate + up + down bytes

        private TimedDenseFeedForward(Weights weights, Kernels kernels, int maxBatch) {
            this.dense = DenseFeedForward.FACTORY.create(weights, kernels, maxBatch);
            this.stats = new SparsityStats(weights.config().layers());
            this.layerBytes = new long[weights.config().layers()];
            for (int l = 0; l < layerBytes.length; l++) {
                LayerWeights w = weights.layer(l);
                layerBytes[l] = w.ffnGate().data().byteSize() + w.ffnUp().data().byteSize()
                        + w.ffnDown().data().byteSize();
            }
        }

        @Override
        public void apply(int layer, float[] x, int batch, float[] out) {
            long t0 = System.nanoTime();
            dense.apply(layer, x, batch, out);
            stats.time(SparsityStats.Phase.FFN, System.nanoTime() - t0);
            stats.read(layerBytes[layer]); // one pass over the weights, whatever the batch
        }

        @Override
        public SparsityStats stats() {
            return stats;
        }
    }
}
