package dev.ember.model;

import dev.ember.gguf.GgufMetadata;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of supported architectures, keyed by {@code general.architecture}. */
public final class Architectures {
    private static final Map<String, Architecture> BY_NAME = new LinkedHashMap<>();

    static {
        for (Architecture a : List.of(new LlamaArchitecture(), new Qwen2Architecture(), new Qwen3Architecture(),
                new Phi3Architecture(), new Gemma2Architecture(), new Gemma3Architecture())) {
            BY_NAME.put(a.name(), a);
        }
    }

    private Architectures() {
    }

    /** @return the supported architecture names, in registration order */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /**
     * @return the architecture for {@code name}
     * @throws UnsupportedModelException naming it and the supported list
     */
    public static Architecture of(String name) {
        Architecture a = BY_NAME.get(name);
        if (a == null) {
            throw new UnsupportedModelException("architecture '" + name + "' is not supported (supported: "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        return a;
    }

    /**
     * @return the architecture that {@code general.architecture} names
     * @throws UnsupportedModelException if it is absent or not supported
     */
    public static Architecture of(GgufMetadata metadata) {
        if (!metadata.contains("general.architecture")) {
            throw new UnsupportedModelException("the file has no general.architecture (supported: "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        return of(metadata.getString("general.architecture"));
    }
}
