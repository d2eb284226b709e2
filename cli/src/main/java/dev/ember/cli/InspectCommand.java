package dev.ember.cli;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufTensorInfo;
import dev.ember.gguf.GgufValue;
import dev.ember.gguf.GgufValueType;
import dev.ember.model.Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ember inspect}: a GGUF file's metadata, tensors and, for known architectures, the model config. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a GGUF file's metadata, tensors (name, type, shape, bytes) and model config.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Arrays longer than this are summarized (length and first elements). */
    static final int ARRAY_PREVIEW = 8;

    @Option(names = {"-m", "--model"}, required = true, description = "GGUF file to inspect")
    Path model;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Override
    public Integer call() {
        try (GgufFile gguf = ModelFile.open(model)) {
            // a vocab-only file (llama.cpp's ggml-vocab-*.gguf) has no weights and so no model config
            boolean weights = !gguf.tensorInfos().isEmpty();
            Config config = weights && Config.isSupported(gguf.metadata()) ? Config.fromGguf(gguf.metadata()) : null;
            PrintWriter out = out();
            if (json) {
                out.println(Json.write(toJson(gguf, config)));
            } else {
                printText(out, gguf, config);
            }
        }
        return 0;
    }

    private static void printText(PrintWriter out, GgufFile gguf, Config config) {
        long tensorBytes = gguf.tensorInfos().stream().mapToLong(GgufTensorInfo::byteSize).sum();
        out.printf("%s: GGUF v%d, %s, %d metadata keys, %d tensors, alignment %d, data at offset %d%n",
                gguf.path().getFileName(), gguf.version(), bytes(gguf.fileSize()), gguf.metadata().size(),
                gguf.tensorInfos().size(), gguf.alignment(), gguf.dataOffset());
        out.println();
        out.println("metadata:");
        int keyWidth = gguf.metadata().keys().stream().mapToInt(String::length).max().orElse(10);
        gguf.metadata().asMap().forEach((k, v) -> out.printf("  %-" + keyWidth + "s  %-16s %s%n", k,
                v.type() == GgufValueType.ARRAY ? "[" + v.elementType() + "]" : v.type().toString(),
                v.display(ARRAY_PREVIEW)));
        if (!gguf.tensorInfos().isEmpty()) {
            out.println();
            out.printf("tensors: %d, %s%n", gguf.tensorInfos().size(), bytes(tensorBytes));
            int nameWidth = gguf.tensorInfos().stream().mapToInt(t -> t.name().length()).max().orElse(10);
            out.printf("  %-" + nameWidth + "s  %-7s %-22s %12s%n", "name", "type", "shape", "bytes");
            for (GgufTensorInfo t : gguf.tensorInfos()) {
                out.printf("  %-" + nameWidth + "s  %-7s %-22s %12d%n", t.name(), t.type(), t.shape(), t.byteSize());
            }
        }
        out.println();
        if (config != null) {
            out.printf("config (%s): dim %d, layers %d, heads %d, kv heads %d, head size %d, ffn %d, context %d,"
                    + " vocab %d, rope dim %d, rope theta %s, rms eps %s, ffn activation %s%n",
                    config.architecture(), config.dim(), config.layers(), config.heads(), config.kvHeads(),
                    config.headSize(), config.ffnDim(), config.contextLength(), config.vocabSize(), config.ropeDim(),
                    config.ropeTheta(), config.rmsNormEps(), config.ffnActivation());
        } else if (gguf.tensorInfos().isEmpty()) {
            out.println("config: none (a vocab-only file: no tensors)");
        } else {
            out.printf("config: architecture '%s' is not one Ember runs (supported: %s)%n",
                    gguf.metadata().getString("general.architecture", "?"),
                    String.join(", ", Config.SUPPORTED_ARCHITECTURES));
        }
    }

    private static Map<String, Object> toJson(GgufFile gguf, Config config) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("file", gguf.path().toString());
        root.put("file_size", gguf.fileSize());
        root.put("version", gguf.version());
        root.put("alignment", gguf.alignment());
        root.put("data_offset", gguf.dataOffset());
        Map<String, Object> metadata = new LinkedHashMap<>();
        gguf.metadata().asMap().forEach((k, v) -> metadata.put(k, jsonValue(v, true)));
        root.put("metadata", metadata);
        List<Object> tensors = new ArrayList<>();
        for (GgufTensorInfo t : gguf.tensorInfos()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("type", t.type().name());
            m.put("shape", t.shape().dims());
            m.put("bytes", t.byteSize());
            m.put("offset", gguf.dataOffset() + t.offset());
            tensors.add(m);
        }
        root.put("tensors", tensors);
        root.put("config", config);
        return root;
    }

    /** Scalars as JSON values; short arrays in full; long ones as {element_type, length, head}. */
    private static Object jsonValue(GgufValue v, boolean summarize) {
        if (v.type() != GgufValueType.ARRAY) {
            if (v.type() == GgufValueType.UINT64 && (Long) v.value() < 0) {
                return new BigInteger(Long.toUnsignedString((Long) v.value()));
            }
            Long l = v.asLong();
            return l != null ? l : v.value();
        }
        int n = v.length();
        boolean cut = summarize && n > ARRAY_PREVIEW;
        List<Object> elements = new ArrayList<>();
        for (int i = 0; i < (cut ? ARRAY_PREVIEW : n); i++) {
            elements.add(jsonValue(v.element(i), summarize));
        }
        if (!cut) {
            return elements;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("element_type", v.elementType().name());
        m.put("length", Array.getLength(v.value()));
        m.put("head", elements);
        return m;
    }

    private static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.2f %s", v, units[u]);
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
