package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the pipeline's direction inside runtime: each package may use only the packages before it
 * (tensor <- gguf <- kernel <- model <- tokenizer, sampling <- generate <- the API in dev.ember).
 * It reads the constant pools of the compiled classes, so a wrong-way reference fails the build
 * even when no import statement shows it. {@link EmberException} is the one shared exception base
 * every layer may throw.
 */
class PackageDependencyTest {
    /** Layer of each package; a class may reference its own layer and lower ones. */
    private static final Map<String, Integer> LAYER = Map.of(
            "dev/ember/tensor", 0, "dev/ember/gguf", 1, "dev/ember/kernel", 2, "dev/ember/model", 3,
            "dev/ember/tokenizer", 4, "dev/ember/sampling", 4, "dev/ember/generate", 5, "dev/ember", 6);

    /** Pairs that share a layer but must still not see each other. */
    private static final List<String[]> FORBIDDEN = List.of(
            new String[] {"dev/ember/tokenizer", "dev/ember/sampling"},
            new String[] {"dev/ember/sampling", "dev/ember/tokenizer"},
            new String[] {"dev/ember/sampling", "dev/ember/model"},
            new String[] {"dev/ember/tokenizer", "dev/ember/model"},
            new String[] {"dev/ember/tokenizer", "dev/ember/kernel"});

    @Test
    void referencesPointOnlyDownThePipeline() throws IOException, URISyntaxException {
        Path classes = Path.of(EmberException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> violations = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                ClassModel model = ClassFile.of().parse(f);
                String self = model.thisClass().asInternalName();
                String from = layerPackage(self);
                if (from == null) {
                    continue;
                }
                checked++;
                for (PoolEntry e : model.constantPool()) {
                    if (e instanceof ClassEntry ce) {
                        String target = ce.asInternalName().replaceFirst("^\\[+L?", "").replace(";", "");
                        String to = layerPackage(target);
                        if (to != null && !target.equals("dev/ember/EmberException") && !allowed(from, to)) {
                            violations.add(self + " -> " + target);
                        }
                    }
                }
            }
        }
        assertTrue(checked > 10, "expected to check the runtime's classes in " + classes);
        assertFalse(!violations.isEmpty(), "upward or sideways references:\n  " + String.join("\n  ", violations));
    }

    private static boolean allowed(String from, String to) {
        for (String[] f : FORBIDDEN) {
            if (f[0].equals(from) && f[1].equals(to)) {
                return false;
            }
        }
        return LAYER.get(to) <= LAYER.get(from);
    }

    /** The layer package of an internal class name (sub-packages belong to their parent layer). */
    private static String layerPackage(String internalName) {
        if (!internalName.startsWith("dev/ember/")) {
            return null;
        }
        String pkg = internalName.substring(0, internalName.lastIndexOf('/'));
        if (pkg.equals("dev/ember")) {
            return pkg;
        }
        String[] parts = pkg.split("/");
        String top = parts[0] + "/" + parts[1] + "/" + parts[2];
        return LAYER.containsKey(top) ? top : null;
    }
}
