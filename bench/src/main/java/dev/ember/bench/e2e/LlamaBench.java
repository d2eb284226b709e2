package dev.ember.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.EmberException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * llama.cpp's {@code llama-bench} on the same file, threads, prompt and generation lengths, right after Ember's
 * own measurement ({@code ember bench --compare-llama-bench PATH}): the speed ratio in one run on one machine.
 * llama.cpp is never built or fetched by Ember; the user points at a {@code llama-bench} they built.
 */
public final class LlamaBench {
    private LlamaBench() {
    }

    /**
     * llama-bench's averages.
     *
     * @param prefillTokensPerSecond its {@code pp} test's avg_ts
     * @param decodeTokensPerSecond  its {@code tg} test's avg_ts
     * @param commit                 the build commit it reports ("" if none)
     */
    public record Result(double prefillTokensPerSecond, double decodeTokensPerSecond, String commit) {
    }

    /** @return the arguments llama-bench gets: Ember's settings, JSON output */
    static List<String> command(Path exe, Path model, int threads, int promptTokens, int genTokens, int repetitions) {
        return List.of(exe.toString(), "-m", model.toString(), "-t", Integer.toString(threads), "-p",
                Integer.toString(promptTokens), "-n", Integer.toString(genTokens), "-r", Integer.toString(repetitions),
                "-o", "json");
    }

    /**
     * Runs llama-bench and reads its JSON.
     *
     * @throws EmberException naming the problem: no such program, a failed run (with the end of its stderr), or
     *                        output without the two tests
     */
    public static Result run(Path exe, Path model, int threads, int promptTokens, int genTokens, int repetitions) {
        if (!Files.isExecutable(exe)) {
            throw new EmberException("--compare-llama-bench: " + exe + " is not an executable llama-bench");
        }
        Process p;
        String out;
        String err;
        try {
            p = new ProcessBuilder(command(exe, model, threads, promptTokens, genTokens, repetitions)).start();
            p.getOutputStream().close();
            // stderr drained on its own thread: a chatty run must not block on a full pipe while we read stdout
            var errText = new java.util.concurrent.CompletableFuture<String>();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    errText.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    errText.complete("");
                }
            });
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = p.waitFor();
            err = errText.join();
            if (status != 0) {
                String tail = err.strip();
                tail = tail.substring(Math.max(0, tail.length() - 400));
                throw new EmberException("llama-bench exited with status " + status + ": " + tail);
            }
        } catch (IOException e) {
            throw new EmberException("cannot run " + exe + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmberException("interrupted while llama-bench ran", e);
        }
        return parse(out, promptTokens, genTokens);
    }

    /** @return the pp and tg averages of llama-bench's JSON array */
    static Result parse(String json, int promptTokens, int genTokens) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new EmberException("llama-bench printed no JSON: " + e.getMessage(), e);
        }
        double prefill = Double.NaN;
        double decode = Double.NaN;
        String commit = "";
        for (JsonNode test : root == null || !root.isArray() ? List.<JsonNode>of() : root) {
            int p = test.path("n_prompt").asInt(-1);
            int g = test.path("n_gen").asInt(-1);
            double ts = test.path("avg_ts").asDouble(Double.NaN);
            if (p == promptTokens && g == 0) {
                prefill = ts;
            } else if (p == 0 && g == genTokens) {
                decode = ts;
            }
            commit = test.path("build_commit").asText(commit);
        }
        if (Double.isNaN(prefill) || Double.isNaN(decode)) {
            throw new EmberException("llama-bench's JSON has no pp" + promptTokens + " and tg" + genTokens
                    + " results with avg_ts");
        }
        return new Result(prefill, decode, commit);
    }
}
