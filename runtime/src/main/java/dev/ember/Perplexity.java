package dev.ember;

/**
 * Perplexity of a model on a text, computed exactly as llama.cpp's {@code llama-perplexity} does, so
 * the numbers compare: the whole text is tokenized once (BOS added as the vocabulary asks), cut into
 * consecutive chunks of {@code n} tokens (the remainder is dropped), the first token of each chunk is
 * replaced by BOS, each chunk is evaluated from an empty cache, and only its second half is scored:
 * the logits at positions {@code n/2 .. n-2} predict tokens {@code n/2+1 .. n-1}. PPL = exp(mean
 * negative log-likelihood); the error estimate is llama.cpp's standard error of that mean, scaled by PPL.
 *
 * <pre>
 * Perplexity.Result r = Perplexity.compute(model, text, 512, (chunk, of, ppl) -> log(chunk, ppl));
 * </pre>
 */
public final class Perplexity {
    /** Reports progress after each chunk. */
    @FunctionalInterface
    public interface Progress {
        /**
         * @param chunk      chunks done (1-based)
         * @param chunks     chunks in all
         * @param perplexity the running value over the chunks done, as llama-perplexity prints it
         */
        void chunkDone(int chunk, int chunks, double perplexity);
    }

    /**
     * The outcome.
     *
     * @param perplexity    exp(mean NLL)
     * @param standardError llama.cpp's "+/-": the standard error of the mean NLL times the perplexity
     * @param chunks        chunks evaluated
     * @param tokensScored  predictions scored: chunks * (n - 1 - n/2)
     * @param textTokens    tokens in the whole text
     * @param seconds       time spent
     * @param sparsity      the session's sparsity spec ("none" = dense)
     * @param layerSparsity with a sparsity spec, per layer the share of FFN neurons skipped over every token the
     *                      sparse FFN ran (CoreInfer: the scored ones; its prompts run dense); empty when the
     *                      FFN is dense
     * @param layerRecall   with a predictor, per layer the share of the neurons its labels call active that it
     *                      chose (measured on the dense gate); NaN per layer for methods without labels; empty
     *                      when dense
     * @param attentionSparsity with {@code attn:}, the share of attention projection weight bytes skipped; NaN when
     *                      the attention ran dense
     */
    public record Result(double perplexity, double standardError, int chunks, int tokensScored, int textTokens,
                         double seconds, String sparsity, double[] layerSparsity, double[] layerRecall,
                         double attentionSparsity) {
    }

    /** Floats of logits one batch may hold: 64 MB. */
    private static final int LOGITS_BUDGET = 1 << 24;

    private Perplexity() {
    }

    /**
     * @param model         the model
     * @param text          the text to score
     * @param contextLength tokens per chunk (llama.cpp's {@code -c}); at least 4
     * @param progress      called after each chunk, or null
     * @throws EmberException if the text has fewer than {@code 2 * contextLength} tokens (llama.cpp's rule)
     */
    public static Result compute(Model model, String text, int contextLength, Progress progress) {
        return compute(model, text, contextLength, SessionOptions.DENSE, progress);
    }

    /**
     * As {@link #compute(Model, String, int, Progress)} with a sparse feed-forward ({@code --sparsity}). With a
     * spec other than "none", each chunk's first half (the unscored context) is evaluated as a prompt and its
     * scored half one token at a time, as decode sees it: for methods that learn from the prompt (CoreInfer)
     * that is the protocol of the method; for the others it gives the same numbers as batches.
     */
    public static Result compute(Model model, String text, int contextLength, String sparsity, Progress progress) {
        // every row's logits are kept for a batch: cap it so (batch, vocab) stays near 64 MB for large vocabularies
        int vocab = model.config().vocabSize();
        int maxBatch = Math.min(SessionOptions.DEFAULT_MAX_BATCH, Math.max(32, LOGITS_BUDGET / vocab));
        return compute(model, text, contextLength, maxBatch, sparsity, progress);
    }

    /** As {@link #compute(Model, String, int, Progress)}, evaluating each chunk in batches of {@code maxBatch}. */
    static Result compute(Model model, String text, int contextLength, int maxBatch, Progress progress) {
        return compute(model, text, contextLength, maxBatch, SessionOptions.DENSE, progress);
    }

    private static Result compute(Model model, String text, int contextLength, int maxBatch, String sparsity,
                                  Progress progress) {
        if (contextLength < 4) {
            throw new EmberException("perplexity needs a context of at least 4 tokens, got " + contextLength);
        }
        long t0 = System.nanoTime();
        int[] tokens = model.tokenizer().encode(text, true, false);
        return compute(model, tokens, contextLength, maxBatch, sparsity, progress, t0);
    }

    /**
     * As {@link #compute(Model, String, int, String, Progress)} on text already tokenized (with BOS as the
     * model asks): for callers that score one text many times, such as calibration's perplexity budget.
     */
    public static Result compute(Model model, int[] tokens, int contextLength, String sparsity, Progress progress) {
        if (contextLength < 4) {
            throw new EmberException("perplexity needs a context of at least 4 tokens, got " + contextLength);
        }
        int vocab = model.config().vocabSize();
        int maxBatch = Math.min(SessionOptions.DEFAULT_MAX_BATCH, Math.max(32, LOGITS_BUDGET / vocab));
        return compute(model, tokens, contextLength, maxBatch, sparsity, progress, System.nanoTime());
    }

    private static Result compute(Model model, int[] tokens, int contextLength, int maxBatch, String sparsity,
                                  Progress progress, long t0) {
        int n = contextLength;
        if (tokens.length < 2 * n) {
            throw new EmberException("the text is " + tokens.length + " tokens; perplexity with a context of " + n
                    + " needs at least " + 2 * n + " (use a longer text or a smaller --ctx)");
        }
        int chunks = tokens.length / n;
        int first = n / 2;
        int vocab = model.config().vocabSize();
        boolean addBos = model.tokenizer().vocabulary().addBos();
        int bos = model.tokenizer().vocabulary().bos();
        Session session = model.newSession(SessionOptions.builder().contextLength(n).maxBatch(maxBatch)
                .sparsity(sparsity).build());
        boolean sparse = session.sparsityStats() != null;
        if (sparse) {
            session.sparsityStats().measureRecall(true); // a quality run: the dense gate's cost is fine here
        }
        int batch = session.maxBatch();
        int[] chunk = new int[n];
        double nll = 0;
        double nll2 = 0;
        int count = 0;
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(tokens, c * n, chunk, 0, n);
            if (addBos && bos >= 0) {
                chunk[0] = bos;
            }
            session.reset();
            for (int start = 0; start < n; ) {
                // sparse: the context half as a prompt, then the scored half token by token
                int len = !sparse ? Math.min(batch, n - start) : start < first ? Math.min(batch, first - start) : 1;
                float[] logits = session.evaluate(chunk, start, len, true);
                // score rows whose position j is in [first, n-2]: row j predicts chunk[j + 1]
                for (int j = Math.max(start, first); j < start + len && j < n - 1; j++) {
                    double logProb = logSoftmax(logits, (j - start) * vocab, vocab, chunk[j + 1]);
                    nll -= logProb;
                    nll2 += logProb * logProb;
                    count++;
                }
                start += len;
            }
            if (progress != null) {
                progress.chunkDone(c + 1, chunks, Math.exp(nll / count));
            }
        }
        double mean = nll / count;
        double ppl = Math.exp(mean);
        double variance = nll2 / count - mean * mean;
        double stderr = variance > 0 && count > 1 ? Math.sqrt(variance / (count - 1)) * ppl : 0;
        double[] layerSparsity = new double[0];
        double[] layerRecall = new double[0];
        if (sparse && session.sparsityStats().countsFfn()) {
            int layers = session.sparsityStats().layers();
            layerSparsity = new double[layers];
            layerRecall = new double[layers];
            for (int l = 0; l < layers; l++) {
                layerSparsity[l] = session.sparsityStats().sparsity(l);
                layerRecall[l] = session.sparsityStats().recall(l);
            }
        }
        return new Result(ppl, stderr, chunks, count, tokens.length, (System.nanoTime() - t0) / 1e9,
                session.options().sparsity(), layerSparsity, layerRecall,
                sparse ? session.sparsityStats().attentionSparsity() : Double.NaN);
    }

    /** @return log p(token) under the softmax of {@code logits[off .. off+n)}, summed in double */
    static double logSoftmax(float[] logits, int off, int n, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = off; i < off + n; i++) {
            sum += Math.exp(logits[i] - max);
        }
        return logits[off + token] - max - Math.log(sum);
    }
}
