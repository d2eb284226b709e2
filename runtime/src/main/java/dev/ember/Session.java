package dev.ember;

import dev.ember.generate.Generator;
import dev.ember.generate.Stopwatch;
import dev.ember.model.FeedForward;
import dev.ember.model.Projections;
import dev.ember.model.SparsityStats;
import dev.ember.model.SessionState;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One conversation with a model: it owns the KV cache and the activation buffers (allocated once,
 * here), and generates text. Not thread-safe: use a session from one thread at a time (overlapping
 * calls fail fast); several sessions of one model may run on different threads at once.
 *
 * <pre>
 * Session session = model.newSession();
 * GenerationResult r = session.generate(GenerationRequest.of("Once upon a time"), piece -> {
 *     System.out.print(piece);
 *     return true;
 * });
 * System.out.printf("%n%.1f tok/s%n", r.decode().tokensPerSecond());
 * </pre>
 *
 * A new prompt that begins with what the cache already holds (the previous prompt and reply, as in
 * a chat) evaluates only its new part. {@link #evaluate} is the low-level path: run tokens, read logits
 * (perplexity, scoring).
 */
public final class Session {
    private final Model model;
    private final SessionOptions options;
    private final SessionState state;
    private final Generator generator;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final SparsityStats stats;

    /**
     * @param feedForward the session's FFN, or null for the one {@code options.sparsity()} names
     * @param projections the attention's projections, or null for the ones {@code options.sparsity()} names
     */
    Session(Model model, SessionOptions options, int contextLength, FeedForward.Factory feedForward,
            Projections.Factory projections) {
        this.model = model;
        this.options = options;
        Sparsity.Strategies sparse = Sparsity.strategies(options.sparsity(), model.transformer().weights(),
                model.gguf());
        this.state = model.transformer().newState(model.newKernels(), contextLength,
                Math.min(options.maxBatch(), contextLength), feedForward != null ? feedForward : sparse.ffn(),
                projections != null ? projections : sparse.projections());
        this.generator = new Generator(model.transformer(), state, model.tokenText(), model.endOfGeneration());
        SparsityStats ffnStats = state.feedForward().stats();
        SparsityStats attentionStats = state.projections().stats();
        if (ffnStats != null && attentionStats != null) {
            ffnStats.attention(attentionStats); // one view of both
        }
        this.stats = ffnStats != null ? ffnStats : attentionStats;
    }

    /**
     * Generates text for a request, streaming it to the listener.
     *
     * @throws EmberException if the prompt is empty or longer than the context (naming both lengths)
     */
    public GenerationResult generate(GenerationRequest request, TokenListener listener) {
        enter();
        try {
            int[] prompt = request.prompt() != null
                    ? model.tokenizer().encode(request.prompt(), request.addSpecial(), request.parseSpecial())
                    : request.promptTokens();
            int vocab = model.config().vocabSize();
            for (int t : prompt) {
                if (t < 0 || t >= vocab) {
                    throw new EmberException("prompt token " + t + " is outside the vocabulary of " + vocab);
                }
            }
            Generator.Settings settings = new Generator.Settings(request.maxTokens(), request.sampler(),
                    request.stopStrings(), request.ignoreEos());
            Generator.Sink sink = listener == TokenListener.NONE ? null : text -> {
                try {
                    return listener.onText(text);
                } catch (GenerationCancelledException cancel) {
                    return false;
                }
            };
            Generator.Outcome out = generator.generate(prompt, settings, sink);
            return new GenerationResult(prompt, out.tokens(), out.text(), StopReason.valueOf(out.stop().name()),
                    timing(out.prefill()), timing(out.decode()), model.kernels(), model.threads(),
                    options.sparsity());
        } finally {
            busy.set(false);
        }
    }

    /**
     * @return what the session's sparse feed-forward skipped, per layer, and its attention projections
     *         ({@link SparsityStats#attentionSparsity()}), since its last reset (counts go on across generate and
     *         evaluate calls), or null when the session is dense
     */
    public SparsityStats sparsityStats() {
        return stats;
    }

    /** Generates without streaming. */
    public GenerationResult generate(GenerationRequest request) {
        return generate(request, TokenListener.NONE);
    }

    /**
     * Runs tokens through the model at the next positions of the cache (the low-level path).
     *
     * @param allLogits return every token's logits (count must then fit {@link #maxBatch()}), else the last's
     * @return the logits, (vocab) or (count, vocab): a buffer of the session, valid until its next call
     * @throws EmberException if the tokens would overflow the context
     */
    public float[] evaluate(int[] tokens, int offset, int count, boolean allLogits) {
        enter();
        try {
            return generator.evaluate(tokens, offset, count, allLogits);
        } finally {
            busy.set(false);
        }
    }

    /** Empties the cache: the next evaluation starts at position 0. */
    public void reset() {
        enter();
        try {
            generator.reset();
        } finally {
            busy.set(false);
        }
    }

    /** @return how many positions of the cache are filled */
    public int position() {
        return state.position();
    }

    /** @return the positions the cache holds */
    public int contextLength() {
        return state.contextLength();
    }

    /** @return the largest batch one forward pass takes */
    public int maxBatch() {
        return state.maxBatch();
    }

    /** @return the model */
    public Model model() {
        return model;
    }

    /** @return the options this session was made with */
    public SessionOptions options() {
        return options;
    }

    private void enter() {
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("this Session is already in use on another thread; "
                    + "a session is single-threaded: give each thread its own (model.newSession())");
        }
    }

    private static Timing timing(Stopwatch w) {
        return new Timing(w.tokens(), w.seconds());
    }
}
