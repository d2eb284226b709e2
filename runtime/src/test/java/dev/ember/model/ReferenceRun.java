package dev.ember.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One greedy reference run from {@code ../shared/reference}: the prompt, its token ids, the greedy tokens, and
 * the expected logits at each evaluated position of {@code prompt ++ generated} (row p = the logits after
 * feeding token p). Two producers write these: llama.cpp's dumper ({@code ember-llama-ref-set/1}, full logits
 * or the top 20 per row) and the PyTorch float64 oracle of the tiny models (full logits).
 *
 * @param file      the reference file name, for reports
 * @param prompt    the prompt text
 * @param promptIds the prompt's token ids, BOS first
 * @param generated the greedy token ids
 * @param rows      expected logits, one per evaluated position
 */
record ReferenceRun(String file, String prompt, int[] promptIds, int[] generated, List<Row> rows) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Expected logits of one position: every id (ids == null, logits indexed by id) or only the listed ids.
     *
     * @param ids    the token ids whose logits are known, best first; null when logits covers the vocabulary
     * @param logits the logits, indexed like ids (or by token id when ids is null)
     */
    record Row(int[] ids, float[] logits) {
        /** @return the reference's best token (lowest id on ties, as the dumper sorted) */
        int argmax() {
            return ids != null ? ids[0] : ConformanceRunner.argmax(logits, logits.length);
        }

        /** @return the gap between the best and second-best logit */
        double margin() {
            if (ids != null) {
                return logits[0] - logits[1];
            }
            int best = argmax();
            float second = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < logits.length; i++) {
                if (i != best && logits[i] > second) {
                    second = logits[i];
                }
            }
            return logits[best] - second;
        }
    }

    /** @return the tokens to feed for teacher forcing: prompt then generated */
    int[] sequence() {
        int[] all = new int[promptIds.length + generated.length];
        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
        System.arraycopy(generated, 0, all, promptIds.length, generated.length);
        return all;
    }

    /** @return the runs of a llama.cpp reference file ({@code ember-llama-ref-set/1}) */
    static List<ReferenceRun> loadLlamaCpp(Path json) {
        JsonNode root = read(json);
        List<ReferenceRun> runs = new ArrayList<>();
        for (JsonNode run : root.get("runs")) {
            List<Row> rows = new ArrayList<>();
            boolean full = run.get("logits_mode").asText().equals("full");
            for (JsonNode step : run.get("steps")) {
                if (full) {
                    rows.add(new Row(null, floats(step.get("logits"))));
                } else {
                    JsonNode top = step.get("top");
                    int[] ids = new int[top.size()];
                    float[] logits = new float[top.size()];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = top.get(i).get(0).asInt();
                        logits[i] = (float) top.get(i).get(1).doubleValue();
                    }
                    rows.add(new Row(ids, logits));
                }
            }
            runs.add(new ReferenceRun(json.getFileName().toString(), run.get("prompt").asText(),
                    ints(run.get("prompt_token_ids")), ints(run.get("generated_token_ids")), rows));
        }
        return runs;
    }

    /** @return the run of a tiny-model reference file (PyTorch, float64, full logits) */
    static ReferenceRun loadTiny(Path json) {
        JsonNode root = read(json);
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : root.get("logits")) {
            rows.add(new Row(null, floats(r)));
        }
        return new ReferenceRun(json.getFileName().toString(), root.get("prompt").asText(),
                ints(root.get("prompt_token_ids")), ints(root.get("generated_token_ids")), rows);
    }

    private static JsonNode read(Path json) {
        try {
            return JSON.readTree(json.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + json, e);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asInt();
        }
        return v;
    }

    /** Narrows each printed double to float: the dumper printed floats so that this gives them back exactly. */
    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).doubleValue();
        }
        return v;
    }
}
