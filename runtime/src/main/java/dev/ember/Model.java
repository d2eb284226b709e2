package dev.ember;

import dev.ember.generate.EndOfGeneration;
import dev.ember.generate.TokenText;
import dev.ember.gguf.GgufFile;
import dev.ember.kernel.KernelSelection;
import dev.ember.kernel.WorkerPool;
import dev.ember.model.Config;
import dev.ember.model.FeedForward;
import dev.ember.model.Projections;
import dev.ember.model.Transformer;
import dev.ember.tokenizer.Tokenizer;
import dev.ember.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A loaded model: the GGUF file mapped (weights stay in the mapping, never on the heap), its
 * architecture, tokenizer, the kernels chosen for this machine and the worker threads they use.
 * Immutable and thread-safe: share one model between threads and give each conversation its own
 * {@link Session}.
 *
 * <pre>
 * try (Model model = Model.load(Path.of("model.gguf"))) {
 *     System.out.println("kernels: " + model.kernelReport());
 *     Session session = model.newSession();
 *     GenerationResult r = session.generate(GenerationRequest.of("Once upon a time"));
 *     System.out.println(r.text());
 * }
 * </pre>
 *
 * Closing the model stops its threads and unmaps the file; its sessions cannot be used after that.
 */
public final class Model implements AutoCloseable {
    private final Path path;
    private final GgufFile gguf;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final TokenText tokenText;
    private final int[] endOfGeneration;
    private final KernelSelection.Selection kernels;
    private final WorkerPool pool;
    private final boolean repack;

    private Model(Path path, GgufFile gguf, Transformer transformer, Tokenizer tokenizer,
                  KernelSelection.Selection kernels, WorkerPool pool, boolean repack) {
        this.path = path;
        this.gguf = gguf;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.tokenText = new TokenText(tokenizer);
        this.endOfGeneration = EndOfGeneration.ids(tokenizer.vocabulary());
        this.kernels = kernels;
        this.pool = pool;
        this.repack = repack;
    }

    /** Loads a model with the default options: every core, the best kernels. */
    public static Model load(Path path) {
        return load(path, LoadOptions.defaults());
    }

    /**
     * Maps a GGUF file and prepares it to run: milliseconds and a few MB of heap for any size of model.
     *
     * @throws EmberException (or a subclass: GgufFormatException, UnsupportedModelException) naming the
     *         problem if the file is missing, malformed or of an unsupported architecture
     */
    public static Model load(Path path, LoadOptions options) {
        if (!Files.exists(path)) {
            throw new EmberException("model file not found: " + path);
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new EmberException("not a readable file: " + path);
        }
        KernelSelection.Selection selection = KernelSelection.select(options.kernels());
        GgufFile gguf = GgufFile.open(path);
        WorkerPool pool = null;
        try {
            Transformer transformer = Transformer.load(gguf);
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf.metadata());
            pool = new WorkerPool(options.resolvedThreads());
            return new Model(path, gguf, transformer, tokenizer, selection, pool, options.repack());
        } catch (RuntimeException | Error e) {
            if (pool != null) {
                pool.close();
            }
            gguf.close();
            throw e;
        }
    }

    /** @return a session with the default options */
    public Session newSession() {
        return newSession(SessionOptions.defaults());
    }

    /** @return a new session: its own KV cache and activations, sized by {@code options} */
    public Session newSession(SessionOptions options) {
        return newSession(options, null);
    }

    /**
     * A session whose feed-forward is {@code feedForward} instead of the one {@code options.sparsity()} names:
     * the hook for tools that need to see or change the FFN, such as calibration recording activations.
     */
    public Session newSession(SessionOptions options, FeedForward.Factory feedForward) {
        return newSession(options, feedForward, null);
    }

    /**
     * As {@link #newSession(SessionOptions, FeedForward.Factory)}, and the attention's projections are
     * {@code projections} (null: the ones {@code options.sparsity()} names): the hook for calibrating
     * attention-side sparsity on the projections' inputs.
     */
    public Session newSession(SessionOptions options, FeedForward.Factory feedForward,
                              Projections.Factory projections) {
        int ctx = options.contextLength() > 0 ? options.contextLength()
                : Math.min(transformer.config().contextLength(), SessionOptions.DEFAULT_MAX_CONTEXT);
        return new Session(this, options, ctx, feedForward, projections);
    }

    /** @return the file this model was loaded from */
    public Path path() {
        return path;
    }

    /** @return the hyperparameters */
    public Config config() {
        return transformer.config();
    }

    /** @return the tokenizer (thread-safe) */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** @return the mapped file, for metadata */
    public GgufFile gguf() {
        return gguf;
    }

    /** @return the name of the kernels that run: "scalar", "simd" or "native" */
    public String kernels() {
        return kernels.name();
    }

    /** @return the instructions those kernels run on, as the provider names them ("avx2"); null if it does not say */
    public String kernelInstructionSet() {
        return kernels.provider().instructionSet();
    }

    /** @return why those kernels were chosen, and why others could not run, in one line */
    public String kernelReport() {
        return kernels.reason();
    }

    /** @return the threads each operation is split over */
    public int threads() {
        return pool.threads();
    }

    /** @return the prompt text as token ids, BOS added as the vocabulary asks, special-token text parsed */
    public int[] tokenize(String text) {
        return tokenizer.encode(text, true, true);
    }

    Transformer transformer() {
        return transformer;
    }

    TokenText tokenText() {
        return tokenText;
    }

    int[] endOfGeneration() {
        return endOfGeneration;
    }

    KernelSelection.Selection selection() {
        return kernels;
    }

    WorkerPool pool() {
        return pool;
    }

    /** @return a new kernels object for a session, repacking weights as the load options allow */
    dev.ember.kernel.Kernels newKernels() {
        return kernels.provider().create(pool, repack);
    }

    /** Stops the worker threads, frees the kernels' copies of the weights and unmaps the file. */
    @Override
    public void close() {
        kernels.provider().release(pool);
        pool.close();
        gguf.close();
    }

    @Override
    public String toString() {
        Config c = config();
        return path.getFileName() + " (" + c.architecture() + ", " + c.layers() + " layers, dim " + c.dim()
                + "; kernels " + kernels() + ", " + threads() + " threads)";
    }
}
