package dev.ember.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ember.EmberException;
import dev.ember.GenerationRequest;
import dev.ember.GenerationResult;
import dev.ember.Model;
import dev.ember.Session;
import dev.ember.SessionOptions;
import dev.ember.StopReason;
import dev.ember.chat.ChatPrompt;
import dev.ember.chat.ChatTemplate;
import dev.ember.chat.ChatTemplateException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible HTTP server over one loaded {@link Model}, on Javalin (Jetty 12, a virtual thread per
 * request, so a request that waits for or runs a generation blocks nothing else). Routes, as llama-server has
 * them: {@code POST /v1/chat/completions} and {@code POST /v1/completions} (streamed as server-sent events
 * with {@code "stream": true}, ending with {@code data: [DONE]}), {@code GET /v1/models}, {@code GET /health},
 * {@code POST /apply-template}.
 *
 * <p>{@code parallel} sessions generate at once ({@link SessionPool}); further requests wait in a bounded queue
 * and past it get 503 with {@code Retry-After}. A client that disconnects during a stream cancels its
 * generation (the next write fails, the listener says stop) and its session goes back to the pool. Errors are
 * OpenAI's error objects ({@link ApiError}); nothing a client sends reaches the model unchecked.
 *
 * <pre>
 * try (Model model = Model.load(path);
 *      OpenAiServer server = OpenAiServer.start(model, OpenAiServer.Options.defaults(model.threads()))) {
 *     server.join();
 * }
 * </pre>
 */
public final class OpenAiServer implements AutoCloseable {
    /**
     * How to serve.
     *
     * @param host          the address to bind (loopback by default: exposing a model is the user's choice)
     * @param port          the port, 0 for any free one
     * @param parallel      sessions that generate at once
     * @param queue         requests that may wait for a session before the server answers 503
     * @param apiKey        the key clients must send as {@code Authorization: Bearer KEY}, or null for none
     * @param contextLength each session's context (0: the model's, capped as sessions cap it)
     * @param sparsity      the sessions' feed-forward spec ({@link SessionOptions#sparsity()})
     * @param chatTemplate  Jinja source to use instead of the model's chat template, or null
     */
    public record Options(String host, int port, int parallel, int queue, String apiKey, int contextLength,
                          String sparsity, String chatTemplate) {
        /** Checks the values. */
        public Options {
            if (port < 0 || port > 65535) {
                throw new EmberException("port must be in 0..65535, got " + port);
            }
            if (parallel < 1) {
                throw new EmberException("parallel must be >= 1, got " + parallel);
            }
            if (queue < 0) {
                throw new EmberException("queue must be >= 0, got " + queue);
            }
        }

        /** Requests that may wait by default: waiting costs a virtual thread and the parsed request, little else. */
        public static final int DEFAULT_QUEUE = 64;

        /**
         * @param threadsPerSession the threads each operation of the model is split over
         * @return loopback, port 8080, as many sessions as the cores allow at that thread count (every core for
         *         one session: one), a queue of {@value #DEFAULT_QUEUE}, no key
         */
        public static Options defaults(int threadsPerSession) {
            int parallel = Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, threadsPerSession));
            return new Options("127.0.0.1", 8080, parallel, DEFAULT_QUEUE, null, 0, SessionOptions.DENSE, null);
        }
    }

    private static final String DONE = "data: [DONE]\n\n";
    private static final System.Logger LOG = System.getLogger(OpenAiServer.class.getName());

    private final Model model;
    private final ChatTemplate template;
    private final SessionPool pool;
    private final String apiKey;
    private final String modelId;
    private final long created = System.currentTimeMillis() / 1000;
    private final ObjectMapper json = new ObjectMapper();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong generations = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final Javalin app;

    private OpenAiServer(Model model, Options options) {
        this.model = model;
        this.template = options.chatTemplate() == null ? ChatTemplate.of(model)
                : ChatTemplate.of(model, options.chatTemplate());
        this.pool = new SessionPool(model, SessionOptions.builder().contextLength(options.contextLength())
                .sparsity(options.sparsity()).build(), options.parallel(), options.queue());
        this.apiKey = options.apiKey() == null || options.apiKey().isEmpty() ? null : options.apiKey();
        this.modelId = model.path().getFileName().toString();
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = options.host();
            config.jetty.port = options.port();
            config.http.compressionStrategy = io.javalin.compression.CompressionStrategy.NONE;
            config.routes.get("/health", ctx -> json(ctx, Map.of("status", "ok")));
            config.routes.get("/v1/health", ctx -> json(ctx, Map.of("status", "ok")));
            config.routes.get("/v1/models", this::models);
            config.routes.get("/models", this::models);
            config.routes.post("/v1/chat/completions", guarded(this::chatCompletions));
            config.routes.post("/chat/completions", guarded(this::chatCompletions));
            config.routes.post("/v1/completions", guarded(this::completions));
            config.routes.post("/completions", guarded(this::completions));
            config.routes.post("/apply-template", guarded(this::applyTemplate));
            config.routes.exception(ApiError.class, (e, ctx) -> answer(ctx, e));
            config.routes.exception(HttpResponseException.class,
                    (e, ctx) -> answer(ctx, ApiError.http(e.getStatus(), e.getMessage())));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.log(System.Logger.Level.ERROR, "request " + ctx.method() + " " + ctx.path() + " failed", e);
                answer(ctx, ApiError.internal(e));
            });
            config.routes.error(404, ctx -> answer(ctx, ApiError.notFound(ctx.method().name(), ctx.path())));
            config.routes.error(405, ctx -> answer(ctx, ApiError.notFound(ctx.method().name(), ctx.path())));
        });
    }

    /**
     * Starts serving {@code model} (already loaded, so {@code /health} answers 200 from the first request on).
     *
     * @throws EmberException if the address cannot be bound
     */
    public static OpenAiServer start(Model model, Options options) {
        OpenAiServer server = new OpenAiServer(model, options);
        try {
            server.app.start();
        } catch (RuntimeException e) {
            throw new EmberException("cannot serve on " + options.host() + ":" + options.port() + ": "
                    + rootMessage(e), e);
        }
        return server;
    }

    /** @return the port served (the chosen one when started with port 0) */
    public int port() {
        return app.port();
    }

    /** @return the id clients see in {@code /v1/models} and every response: the model's file name */
    public String modelId() {
        return modelId;
    }

    /** @return the chat template in use */
    public ChatTemplate template() {
        return template;
    }

    /** @return the sessions that generate at once */
    public int parallel() {
        return pool.parallel();
    }

    /** @return sessions free now (all of them when no request runs: none leaks) */
    public int idleSessions() {
        return pool.idle();
    }

    /** @return generations finished (whatever their end), since the start */
    public long generations() {
        return generations.get();
    }

    /** @return generations cancelled because their client went away mid-stream */
    public long cancelledGenerations() {
        return cancelled.get();
    }

    /** @return the session pool (tests hold sessions to fill it) */
    SessionPool pool() {
        return pool;
    }

    /** Blocks until {@link #close} runs (on another thread, or a shutdown hook). */
    public void join() throws InterruptedException {
        stopped.await();
    }

    /** Stops serving; the model stays loaded (its owner closes it). */
    @Override
    public void close() {
        app.stop();
        stopped.countDown();
    }

    // ---- routes

    private void models(Context ctx) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("id", modelId);
        entry.put("object", "model");
        entry.put("created", created);
        entry.put("owned_by", "ember");
        entry.put("meta", Map.of("context_length", pool.contextLength(), "architecture", model.config().architecture(),
                "kernels", model.kernels(), "chat_template", template.isFallback() ? "chatml (fallback)" : "gguf"));
        json(ctx, Map.of("object", "list", "data", List.of(entry)));
    }

    private void applyTemplate(Context ctx) {
        ObjectNode body = body(ctx);
        ApiRequest request = ApiRequest.chat(body, json);
        json(ctx, Map.of("prompt", render(request, body)));
    }

    private void chatCompletions(Context ctx) throws Exception {
        ObjectNode body = body(ctx);
        ApiRequest request = ApiRequest.chat(body, json);
        generate(ctx, request, ChatPrompt.tokenize(model, render(request, body)), template.stopStrings(), true);
    }

    private void completions(Context ctx) throws Exception {
        ApiRequest request = ApiRequest.completion(body(ctx));
        // as ember run tokenizes a prompt: BOS as the vocabulary asks, special-token text parsed
        generate(ctx, request, model.tokenize(request.prompt()), List.of(), false);
    }

    private String render(ApiRequest request, ObjectNode body) {
        try {
            return template.render(request.messages(), request.tools(), true, ApiRequest.templateKwargs(body, json));
        } catch (ChatTemplateException e) {
            throw ApiError.badRequest(e.raisedByTemplate() ? "invalid_conversation" : "template_error",
                    e.getMessage());
        }
    }

    /** Runs one generation on a pooled session, stopping at the request's and the template's stop strings. */
    private void generate(Context ctx, ApiRequest request, int[] prompt, List<String> templateStops, boolean chat)
            throws Exception {
        int context = pool.contextLength();
        if (prompt.length >= context) {
            throw ApiError.badRequest("context_length_exceeded", "the prompt is " + prompt.length
                    + " tokens but the context holds " + context + " (and the reply needs at least one more)");
        }
        int room = context - prompt.length;
        int maxTokens = request.maxTokens() == null ? room : Math.min(request.maxTokens(), room);
        GenerationRequest generation = GenerationRequest.builder().promptTokens(prompt).maxTokens(maxTokens)
                .sampler(request.sampler()).stop(request.stop()).stop(templateStops).build();
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        Session session = pool.acquire();
        try {
            if (request.stream()) {
                stream(ctx, session, generation, request, id, chat);
            } else {
                GenerationResult r = session.generate(generation);
                json(ctx, completion(id, chat, r));
            }
        } catch (EmberException e) {
            throw ApiError.badRequest("invalid_request", e.getMessage());
        } finally {
            pool.release(session);
            generations.incrementAndGet();
        }
    }

    private void stream(Context ctx, Session session, GenerationRequest generation, ApiRequest request, String id,
                        boolean chat) throws IOException {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setCharacterEncoding("UTF-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        boolean[] gone = {false};
        if (chat) { // OpenAI's first chunk names the role
            gone[0] = !send(out, chunk(id, chat, Map.of("role", "assistant", "content", ""), null));
        }
        GenerationResult r = gone[0] ? null : session.generate(generation, piece -> {
            gone[0] = !send(out, chunk(id, chat, chat ? Map.of("content", piece) : piece, null));
            return !gone[0]; // a client that went away cancels its generation
        });
        if (gone[0]) { // the client went away: its generation stopped at the next piece (or never started)
            cancelled.incrementAndGet();
            return;
        }
        Map<String, Object> last = chunk(id, chat, chat ? Map.of() : "", finishReason(r.stopReason()));
        if (!request.includeUsage()) {
            last.put("usage", usage(r)); // llama-server's habit: usage on the last chunk
        }
        if (send(out, last) && request.includeUsage()) {
            Map<String, Object> usage = envelope(id, chat ? "chat.completion.chunk" : "text_completion");
            usage.put("choices", List.of());
            usage.put("usage", usage(r));
            send(out, usage);
        }
        write(out, DONE);
    }

    // ---- response bodies

    private Map<String, Object> completion(String id, boolean chat, GenerationResult r) {
        Map<String, Object> root = envelope(id, chat ? "chat.completion" : "text_completion");
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (chat) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", r.text());
            choice.put("message", message);
        } else {
            choice.put("text", r.text());
        }
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason(r.stopReason()));
        root.put("choices", List.of(choice));
        root.put("usage", usage(r));
        root.put("timings", timings(r));
        return root;
    }

    private Map<String, Object> chunk(String id, boolean chat, Object delta, String finishReason) {
        Map<String, Object> root = envelope(id, chat ? "chat.completion.chunk" : "text_completion");
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put(chat ? "delta" : "text", delta);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        root.put("choices", List.of(choice));
        return root;
    }

    private Map<String, Object> envelope(String id, String object) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("id", id);
        root.put("object", object);
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", modelId);
        root.put("system_fingerprint", "ember-" + model.kernels());
        return root;
    }

    private static Map<String, Object> usage(GenerationResult r) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", r.promptTokens().length);
        usage.put("completion_tokens", r.tokens().length);
        usage.put("total_tokens", r.promptTokens().length + r.tokens().length);
        return usage;
    }

    /** llama-server's timings: what was evaluated (a cached prefix is not) and how fast. */
    private static Map<String, Object> timings(GenerationResult r) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("prompt_n", r.prefill().tokens());
        t.put("prompt_ms", r.prefill().seconds() * 1e3);
        t.put("prompt_per_second", r.prefill().tokensPerSecond());
        t.put("predicted_n", r.decode().tokens());
        t.put("predicted_ms", r.decode().seconds() * 1e3);
        t.put("predicted_per_second", r.decode().tokensPerSecond());
        return t;
    }

    private static String finishReason(StopReason stop) {
        return stop.outOfRoom() ? "length" : "stop";
    }

    // ---- plumbing

    private Handler guarded(Handler handler) {
        return ctx -> {
            if (apiKey != null && !authorized(ctx.header("Authorization"))) {
                throw ApiError.unauthorized();
            }
            handler.handle(ctx);
        };
    }

    /** Compares keys in constant time, so timing does not reveal how much of a guess was right. */
    private boolean authorized(String header) {
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8),
                apiKey.getBytes(StandardCharsets.UTF_8));
    }

    private ObjectNode body(Context ctx) {
        JsonNode node;
        try {
            node = json.readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            throw ApiError.badRequest("invalid_json", "the body is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest("invalid_json", "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private void answer(Context ctx, ApiError e) {
        ctx.status(e.status());
        if (e.retryAfterSeconds() > 0) {
            ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
        }
        json(ctx, e.body());
    }

    private void json(Context ctx, Object value) {
        try {
            ctx.contentType("application/json").result(json.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return whether the chunk reached the client (false: it has gone away) */
    private boolean send(OutputStream out, Map<String, Object> chunk) {
        try {
            return write(out, "data: " + json.writeValueAsString(chunk) + "\n\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean write(OutputStream out, String event) {
        try {
            out.write(event.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
