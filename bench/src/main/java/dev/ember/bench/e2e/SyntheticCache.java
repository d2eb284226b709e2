package dev.ember.bench.e2e;

import dev.ember.EmberException;
import dev.ember.model.SyntheticModel;
import dev.ember.tensor.GgmlType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Synthetic models for {@code ember bench --synthetic}, written once into a cache folder and reused: writing
 * TinyLlama's shape takes seconds and hundreds of MB, so a second run must not pay for it again.
 *
 * <pre>
 * Path file = SyntheticCache.file(SyntheticCache.defaultFolder(), "tinyllama-1.1b", "q4_0");
 * </pre>
 */
public final class SyntheticCache {
    /** The seed of every cached model: equal names are equal files. */
    public static final long SEED = 42;

    private SyntheticCache() {
    }

    /** @return {@code -Dember.cache}, else {@code $EMBER_CACHE}, else {@code ~/.cache/ember}: the demo's folder */
    public static Path defaultFolder() {
        String configured = System.getProperty("ember.cache", System.getenv("EMBER_CACHE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "ember");
    }

    /** @return the type named by {@code quant} ("q4_0", "Q8_0", "f16"). @throws EmberException naming the types */
    public static GgmlType type(String quant) {
        try {
            return GgmlType.valueOf(quant.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new EmberException("unknown quant type '" + quant + "'; synthetic models are written in "
                    + "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q6_k, or the mix q4_k_m");
        }
    }

    /**
     * @return the cached file of that preset and type (or the q4_k_m mix), written first if it is not there yet
     * @throws EmberException for an unknown preset or type
     */
    public static Path file(Path folder, String preset, String quant) {
        SyntheticModel.Preset p = SyntheticModel.preset(preset);
        SyntheticModel.Recipe recipe = quant.strip().equalsIgnoreCase("q4_k_m") ? SyntheticModel.Recipe.Q4_K_M
                : null;
        GgmlType type = recipe == null ? type(quant) : null;
        Path file = folder.resolve(recipe != null ? SyntheticModel.fileName(p, recipe, SEED)
                : SyntheticModel.fileName(p, type, SEED));
        if (!Files.isRegularFile(file)) {
            try {
                Files.createDirectories(folder);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the cache folder " + folder + ": " + e.getMessage(), e);
            }
            // atomic: an interrupted write leaves no partial file
            if (recipe != null) {
                SyntheticModel.write(file, p, recipe, SEED);
            } else {
                SyntheticModel.write(file, p, type, SEED);
            }
        }
        return file;
    }
}
