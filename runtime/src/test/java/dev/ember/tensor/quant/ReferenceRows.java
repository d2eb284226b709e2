package dev.ember.tensor.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.SharedData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * llama.cpp's dequantized rows of the synth256 models, {@code ../shared/reference/dequant/*.json}: per
 * file, the first rows of a few tensors, bit-exact ggml {@code to_float} output (see README-synth256.md).
 *
 * @param file   the model file name in {@code ../shared/models}
 * @param tensor the tensor name
 * @param type   the ggml type name of that tensor in that file
 * @param rows   the rows, each exactly as ggml produced it
 */
record ReferenceRows(String file, String tensor, String type, List<float[]> rows) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @return every reference JSON file, sorted; skips the test when ../shared is absent */
    static List<Path> files() {
        Path dir = SharedData.require("reference/dequant");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().matches("synth256-.*\\.json"))
                    .sorted().toList();
            if (files.isEmpty()) {
                throw new AssertionError("no synth256-*.json in " + dir);
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the tensors of one reference file, rows narrowed from the printed doubles to floats */
    static List<ReferenceRows> load(Path json) {
        try {
            JsonNode root = JSON.readTree(json.toFile());
            List<ReferenceRows> out = new ArrayList<>();
            for (JsonNode t : root.get("tensors")) {
                int rowLength = t.get("row_length").asInt();
                List<float[]> rows = new ArrayList<>();
                for (JsonNode r : t.get("rows")) {
                    if (r.size() != rowLength) {
                        throw new AssertionError(json + " " + t.get("tensor") + ": row of " + r.size()
                                + " values, row_length says " + rowLength);
                    }
                    float[] row = new float[rowLength];
                    for (int i = 0; i < rowLength; i++) {
                        row[i] = (float) r.get(i).doubleValue();
                    }
                    rows.add(row);
                }
                out.add(new ReferenceRows(root.get("file").asText(), t.get("tensor").asText(),
                        t.get("type").asText(), rows));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + json, e);
        }
    }

    /** @return the model file this reference describes */
    Path model() {
        return SharedData.require("models/" + file);
    }
}
