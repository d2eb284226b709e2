package dev.ember.generate;

import dev.ember.EmberException;
import dev.ember.model.SessionState;
import dev.ember.model.Transformer;
import dev.ember.sampling.Candidates;
import dev.ember.sampling.SamplerChain;
import dev.ember.sampling.SamplerSpec;
import dev.ember.tokenizer.Utf8StreamDecoder;

import java.util.Arrays;
import java.util.List;

/**
 * One session's generation loop: prefill the prompt in batches, then per token sample, check for an
 * end-of-generation token, detokenize (UTF-8 safe), check stop strings (holding back a possible
 * partial match from the sink), check the token budget and the context, and feed the token back.
 *
 * <p>It remembers which tokens its session's KV cache holds, so a prompt that starts with what the
 * cache already holds (a conversation going on) only evaluates the new part. All buffers are made
 * once; a token costs no allocation except the text handed to the sink and the final result.
 * Not thread-safe: one per session.
 */
public final class Generator {
    /** Receives generated text as it becomes safe to show; returning false cancels. */
    @FunctionalInterface
    public interface Sink {
        /** @param text the next piece (never empty) @return false to stop generating */
        boolean accept(String text);
    }

    /** Why generation stopped (mirrors {@code dev.ember.StopReason}). */
    public enum Stop { MAX_TOKENS, EOS, STOP_STRING, CONTEXT_FULL, CANCELLED }

    /**
     * What to generate.
     *
     * @param maxTokens   the most tokens to generate
     * @param sampler     the sampler settings
     * @param stopStrings text that ends generation (not included in the result)
     * @param ignoreEos   keep going past end-of-generation tokens (benchmarks)
     */
    public record Settings(int maxTokens, SamplerSpec sampler, List<String> stopStrings, boolean ignoreEos) {
    }

    /**
     * What was generated.
     *
     * @param tokens  generated ids (without the end-of-generation token, with those of a stop string)
     * @param text    their text, cut before a stop string
     * @param stop    why it stopped
     * @param prefill prompt tokens evaluated (those already cached are not counted) and their time
     * @param decode  tokens generated and the time from the end of prefill to the last one
     */
    public record Outcome(int[] tokens, String text, Stop stop, Stopwatch prefill, Stopwatch decode) {
    }

    private final Transformer transformer;
    private final SessionState state;
    private final TokenText pieces;
    private final int[] endIds;
    private final int vocab;
    private final int[] cached;    // (contextLength) the tokens in the KV cache, state.position() of them
    private final int[] generated; // (contextLength + 1) this generation's tokens
    private final Candidates candidates;
    private final Utf8StreamDecoder utf8 = new Utf8StreamDecoder();
    private final StringBuilder text = new StringBuilder();

    /**
     * @param transformer the model
     * @param state       this session's state
     * @param pieces      the model's token texts
     * @param endIds      end-of-generation ids ({@link EndOfGeneration#ids})
     */
    public Generator(Transformer transformer, SessionState state, TokenText pieces, int[] endIds) {
        this.transformer = transformer;
        this.state = state;
        this.pieces = pieces;
        this.endIds = endIds.clone();
        this.vocab = transformer.config().vocabSize();
        this.cached = new int[state.contextLength()];
        this.generated = new int[state.contextLength() + 1];
        this.candidates = new Candidates(vocab);
    }

    /**
     * Generates from {@code prompt}, streaming text to {@code sink} (null: nobody listens, no pieces are made).
     *
     * @throws EmberException if the prompt is empty or longer than the context
     */
    public Outcome generate(int[] prompt, Settings settings, Sink sink) {
        int ctx = state.contextLength();
        if (prompt.length == 0) {
            throw new EmberException("the prompt is empty (no text and no BOS token)");
        }
        if (prompt.length > ctx) {
            throw new EmberException("the prompt is " + prompt.length + " tokens but the context holds " + ctx
                    + "; shorten the prompt or raise the context length");
        }
        SamplerChain chain = SamplerChain.from(settings.sampler());
        StopStrings stops = new StopStrings(settings.stopStrings());
        Stopwatch prefill = new Stopwatch();
        Stopwatch decode = new Stopwatch();
        text.setLength(0);
        utf8.finish();
        try {
            prefill.start();
            int evaluated = prefill(prompt);
            prefill.stop(evaluated);
            for (int t : prompt) {
                chain.accept(t);
            }
            decode.start();
            Stop stop = decodeLoop(settings, chain, stops, sink, decode);
            decode.stop(0);
            return new Outcome(Arrays.copyOf(generated, decode.tokens()), text.toString(), stop, prefill, decode);
        } catch (RuntimeException | Error e) {
            reset(); // the cache may hold half a batch: forget it rather than trust it
            throw e;
        }
    }

    /** Evaluates the part of the prompt the cache does not hold yet; at least its last token. */
    private int prefill(int[] prompt) {
        int common = 0;
        int have = state.position();
        while (common < have && common < prompt.length && cached[common] == prompt[common]) {
            common++;
        }
        int keep = Math.min(common, prompt.length - 1); // the last token must run to give logits
        if (keep != have) {
            state.rewind(keep);
        }
        for (int off = keep; off < prompt.length; off += state.maxBatch()) {
            forward(prompt, off, Math.min(state.maxBatch(), prompt.length - off), false);
        }
        return prompt.length - keep;
    }

    private Stop decodeLoop(Settings settings, SamplerChain chain, StopStrings stops, Sink sink, Stopwatch decode) {
        int emitted = 0;
        int[] one = new int[1];
        for (;;) {
            if (decode.tokens() >= settings.maxTokens()) {
                return flush(Stop.MAX_TOKENS, emitted, sink);
            }
            candidates.load(state.logits(), 0, vocab);
            int token = chain.sample(candidates);
            chain.accept(token);
            if (!settings.ignoreEos() && EndOfGeneration.contains(endIds, token)) {
                return flush(Stop.EOS, emitted, sink);
            }
            generated[decode.tokens()] = token;
            decode.count(1);
            int from = text.length();
            appendText(token);
            int at = stops.isEmpty() ? -1 : stops.find(text, from);
            if (at >= 0) {
                text.setLength(at);
                utf8.finish(); // bytes of a character after the stop string are dropped with it
                emit(emitted, at, sink);
                return Stop.STOP_STRING;
            }
            int safe = text.length() - (stops.isEmpty() ? 0 : stops.holdBack(text));
            if (!emit(emitted, safe, sink)) {
                return flush(Stop.CANCELLED, safe, null);
            }
            emitted = Math.max(emitted, safe);
            if (state.position() >= state.contextLength()) {
                return flush(Stop.CONTEXT_FULL, emitted, sink);
            }
            if (decode.tokens() >= settings.maxTokens()) {
                return flush(Stop.MAX_TOKENS, emitted, sink);
            }
            one[0] = token;
            forward(one, 0, 1, false);
        }
    }

    /** Appends a token's text: cached whole-character text directly, byte pieces through the decoder. */
    private void appendText(int token) {
        if (token >= pieces.size()) {
            return; // an output row beyond the tokenizer's vocabulary prints nothing
        }
        String whole = pieces.text(token);
        if (whole != null && !utf8.hasPending()) {
            text.append(whole);
        } else {
            text.append(utf8.feed(pieces.bytes(token)));
        }
    }

    /** Ends the stream: releases held-back text and an incomplete character (as U+FFFD) to the sink. */
    private Stop flush(Stop stop, int emitted, Sink sink) {
        text.append(utf8.finish());
        if (sink != null && emitted < text.length()) {
            sink.accept(text.substring(emitted)); // the generation is over: a "stop" answer changes nothing
        }
        return stop;
    }

    private boolean emit(int from, int to, Sink sink) {
        return from >= to || sink == null || sink.accept(text.substring(from, to));
    }

    /**
     * Runs {@code tokens[offset .. offset+count)} through the model at the next positions.
     *
     * @return the logits: the last token's (vocab), or every token's (count, vocab) with allLogits;
     *         valid until the next call
     */
    public float[] evaluate(int[] tokens, int offset, int count, boolean allLogits) {
        if (allLogits && count > state.maxBatch()) {
            throw new IllegalArgumentException(count + " tokens with all logits exceed the batch of "
                    + state.maxBatch());
        }
        if (state.position() + count > state.contextLength()) {
            throw new EmberException(count + " more tokens at position " + state.position()
                    + " would overflow the context of " + state.contextLength());
        }
        for (int off = offset; off < offset + count; off += state.maxBatch()) {
            forward(tokens, off, Math.min(state.maxBatch(), offset + count - off), allLogits);
        }
        return state.logits();
    }

    private void forward(int[] tokens, int offset, int count, boolean allLogits) {
        int at = state.position();
        transformer.forward(state, tokens, offset, count, allLogits);
        System.arraycopy(tokens, offset, cached, at, count);
    }

    /** Empties the cache. */
    public void reset() {
        state.reset();
    }

    /** @return the tokens in the cache (a copy) */
    public int[] cachedTokens() {
        return Arrays.copyOf(cached, state.position());
    }
}
