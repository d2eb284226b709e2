package dev.ember.sparsity.profile;

import dev.ember.EmberException;
import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufMetadata;
import dev.ember.gguf.GgufValue;
import dev.ember.gguf.GgufValueType;
import dev.ember.gguf.GgufWriter;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;

import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The calibration results of a sparse feed-forward method, stored as a GGUF sidecar file beside the
 * model (say {@code model.sparsity.gguf}), so it opens with the same mmap reader as the model and
 * can be inspected with any GGUF tool.
 *
 * <p>Metadata keys:
 * <ul>
 *   <li>{@value #METHOD_KEY} (STRING): the method, e.g. {@code chess} or {@code coreinfer};</li>
 *   <li>{@value #MODEL_HASH_KEY} (STRING): {@link ModelHash} of the model it was calibrated for;</li>
 *   <li>{@value #LAYERS_KEY} (UINT32): the model's layer count;</li>
 *   <li>{@value #PARAM_PREFIX}{@code <name>} (STRING): free-form parameters (target sparsity, alpha, ...).</li>
 * </ul>
 * Tensors are F32 (I32 for orders, {@link #ints}), named {@code blk.<layer>.<what>} for per-layer data, e.g.
 * {@code blk.3.chess_tau}.
 *
 * <pre>
 * SparsityProfile.builder("chess", ModelHash.of(model), layers)
 *     .param("sparsity", "0.5")
 *     .floats("blk.0.chess_tau", tau0, tau0.length)
 *     .write(profilePath);
 * try (SparsityProfile p = SparsityProfile.open(profilePath, ModelHash.of(model))) {
 *     float[] tau0 = p.floats("blk.0.chess_tau");
 * }
 * </pre>
 *
 * <p>Metadata accessors and {@link #has} work after {@link #close}; {@link #floats} and
 * {@link #shape} throw IllegalStateException then. Not thread-safe to close while reading.
 */
public final class SparsityProfile implements AutoCloseable {
    /** Metadata key of the method name. */
    public static final String METHOD_KEY = "ember.sparsity.method";
    /** Metadata key of the model hash. */
    public static final String MODEL_HASH_KEY = "ember.sparsity.model_hash";
    /** Metadata key of the layer count. */
    public static final String LAYERS_KEY = "ember.sparsity.layers";
    /** Prefix of the free-form parameter keys. */
    public static final String PARAM_PREFIX = "ember.sparsity.param.";

    private static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final GgufFile gguf;
    private final String method;
    private final String modelHash;
    private final int layers;
    private final Map<String, String> params;
    private boolean closed;

    private SparsityProfile(Path path, GgufFile gguf, String method, String modelHash, int layers,
                            Map<String, String> params) {
        this.path = path;
        this.gguf = gguf;
        this.method = method;
        this.modelHash = modelHash;
        this.layers = layers;
        this.params = params;
    }

    /**
     * @param method    the method name (non-empty)
     * @param modelHash {@link ModelHash} of the model calibrated for (non-empty)
     * @param layers    the model's layer count (&ge; 0)
     * @return a builder for a new profile
     * @throws IllegalArgumentException for an empty method or hash or a negative layer count
     */
    public static Builder builder(String method, String modelHash, int layers) {
        return new Builder(method, modelHash, layers);
    }

    /** Collects a profile's metadata and tensors, then writes them as one GGUF file. */
    public static final class Builder {
        private final String method;
        private final String modelHash;
        private final int layers;
        private final Map<String, String> params = new LinkedHashMap<>();
        private final List<Pending> tensors = new ArrayList<>();

        /** A tensor to write: floats as F32, or ints as I32. */
        private record Pending(String name, float[] floats, int[] ints, Shape shape) {
        }

        private Builder(String method, String modelHash, int layers) {
            if (method == null || method.isEmpty()) {
                throw new IllegalArgumentException("method must be a non-empty string");
            }
            if (modelHash == null || modelHash.isEmpty()) {
                throw new IllegalArgumentException("modelHash must be a non-empty string");
            }
            if (layers < 0) {
                throw new IllegalArgumentException("layers must be >= 0, got " + layers);
            }
            this.method = method;
            this.modelHash = modelHash;
            this.layers = layers;
        }

        /**
         * @param name  the parameter name (non-empty), stored under {@value SparsityProfile#PARAM_PREFIX}{@code name}
         * @param value its value (replaces an earlier one)
         * @return this
         */
        public Builder param(String name, String value) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("parameter names must be non-empty");
            }
            params.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * @param tensorName the tensor name, {@code blk.<layer>.<what>} for per-layer data (under 64 bytes, unique)
         * @param values     the values, copied now
         * @param shape      dimensions in ggml order (ne0, the contiguous one, first; 1 to 4 of them);
         *                   their product must equal {@code values.length}
         * @return this
         * @throws IllegalArgumentException for a bad or duplicate name or a shape that does not match
         */
        public Builder floats(String tensorName, float[] values, long... shape) {
            tensors.add(new Pending(tensorName, values.clone(), null, checked(tensorName, values.length, shape)));
            return this;
        }

        /** As {@link #floats}, for integers (stored as I32: neuron orders). */
        public Builder ints(String tensorName, int[] values, long... shape) {
            tensors.add(new Pending(tensorName, null, values.clone(), checked(tensorName, values.length, shape)));
            return this;
        }

        private Shape checked(String tensorName, int length, long... shape) {
            Objects.requireNonNull(tensorName, "tensorName");
            Shape s = new Shape(shape); // validates 1..4 positive dims
            if (s.elementCount() != length) {
                throw new IllegalArgumentException("tensor '" + tensorName + "': shape " + s + " holds "
                        + s.elementCount() + " values, " + length + " given");
            }
            for (Pending t : tensors) {
                if (t.name.equals(tensorName)) {
                    throw new IllegalArgumentException("tensor '" + tensorName + "' added twice");
                }
            }
            return s;
        }

        /**
         * Writes the profile, replacing any file at {@code out} (atomically: a failed write leaves the old file).
         *
         * @throws EmberException if the file cannot be written
         * @throws IllegalArgumentException for a tensor name GGUF cannot hold
         */
        public void write(Path out) {
            GgufWriter w = new GgufWriter()
                    .putString(METHOD_KEY, method)
                    .putString(MODEL_HASH_KEY, modelHash)
                    .putUint32(LAYERS_KEY, layers);
            params.forEach((name, value) -> w.putString(PARAM_PREFIX + name, value));
            for (Pending t : tensors) {
                float[] f = t.floats;
                int[] n = t.ints;
                w.addTensor(t.name, f != null ? GgmlType.F32 : GgmlType.I32, t.shape, dst -> {
                    // GGUF is little-endian whatever the platform
                    if (f != null) {
                        for (int i = 0; i < f.length; i++) {
                            dst.setAtIndex(LE_FLOAT, i, f[i]);
                        }
                    } else {
                        for (int i = 0; i < n.length; i++) {
                            dst.setAtIndex(LE_INT, i, n[i]);
                        }
                    }
                });
            }
            try {
                w.write(out);
            } catch (UncheckedIOException e) {
                throw new EmberException("cannot write sparsity profile " + out + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Opens a profile.
     *
     * @param path              the profile file
     * @param expectedModelHash {@link ModelHash} of the model about to use it, or null to skip the check
     * @return the open profile; close it to release its mapping
     * @throws EmberException with a one-line message when the file is missing or unreadable, not GGUF,
     *         not an ember sparsity profile, or calibrated for another model (both hashes named)
     */
    public static SparsityProfile open(Path path, String expectedModelHash) {
        GgufFile gguf;
        try {
            gguf = GgufFile.open(path);
        } catch (UncheckedIOException | EmberException e) {
            throw new EmberException("cannot open sparsity profile " + path + ": " + e.getMessage(), e);
        }
        try {
            GgufMetadata md = gguf.metadata();
            if (!md.contains(METHOD_KEY)) {
                throw new EmberException(path + " is not an ember sparsity profile: it has no '" + METHOD_KEY + "' key");
            }
            String method = requireString(path, md, METHOD_KEY);
            String hash = requireString(path, md, MODEL_HASH_KEY);
            if (!md.contains(LAYERS_KEY)) {
                throw new EmberException("sparsity profile " + path + " has no '" + LAYERS_KEY + "' key");
            }
            long layers = md.getLong(LAYERS_KEY);
            if (layers < 0 || layers > Integer.MAX_VALUE) {
                throw new EmberException("sparsity profile " + path + ": '" + LAYERS_KEY + "' is " + layers
                        + ", expected 0.." + Integer.MAX_VALUE);
            }
            if (expectedModelHash != null && !expectedModelHash.equalsIgnoreCase(hash)) {
                throw new EmberException("sparsity profile " + path + " was calibrated for another model: its model hash is "
                        + hash + ", this model's is " + expectedModelHash + "; recalibrate for this model");
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (String key : md.keys()) {
                if (key.startsWith(PARAM_PREFIX)) {
                    params.put(key.substring(PARAM_PREFIX.length()), requireString(path, md, key));
                }
            }
            return new SparsityProfile(path, gguf, method, hash, (int) layers, Collections.unmodifiableMap(params));
        } catch (EmberException e) {
            gguf.close();
            // GgufFormatException from a typed getter: add which profile it was
            throw e.getMessage().contains(path.toString()) ? e
                    : new EmberException("sparsity profile " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            gguf.close();
            throw e;
        }
    }

    private static String requireString(Path path, GgufMetadata md, String key) {
        GgufValue v = md.get(key);
        if (v == null) {
            throw new EmberException("sparsity profile " + path + " has no '" + key + "' key");
        }
        if (v.type() != GgufValueType.STRING) {
            throw new EmberException("sparsity profile " + path + ": '" + key + "' is " + v.type() + ", expected STRING");
        }
        return (String) v.value();
    }

    /** @return the file this profile was opened from */
    public Path path() {
        return path;
    }

    /** @return the calibration method, e.g. {@code chess} */
    public String method() {
        return method;
    }

    /** @return {@link ModelHash} of the model this profile was calibrated for */
    public String modelHash() {
        return modelHash;
    }

    /** @return the model's layer count as recorded */
    public int layers() {
        return layers;
    }

    /** @return every free-form parameter by name (prefix stripped), in file order; unmodifiable */
    public Map<String, String> params() {
        return params;
    }

    /** @return the parameter's value, or {@code defaultValue} when absent */
    public String param(String name, String defaultValue) {
        return params.getOrDefault(name, defaultValue);
    }

    /** @return true if the profile holds a tensor of this name (of any type); works after close */
    public boolean has(String tensorName) {
        return gguf.findTensor(tensorName) != null;
    }

    /**
     * @return a copy of an F32 tensor's values, ne0 fastest
     * @throws EmberException naming the tensor when it is absent, not F32, or too large for an array
     */
    public float[] floats(String tensorName) {
        Tensor t = requireTensor(tensorName);
        if (t.type() != GgmlType.F32) {
            throw new EmberException("sparsity profile " + path + ": tensor '" + tensorName + "' is " + t.type()
                    + ", expected F32");
        }
        long n = t.shape().elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new EmberException("sparsity profile " + path + ": tensor '" + tensorName + "' has " + n
                    + " values, too many for one array");
        }
        MemorySegment data = t.data();
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.getAtIndex(LE_FLOAT, i);
        }
        return out;
    }

    /** @return every tensor of the profile by name, in file order; their data is valid until {@link #close} */
    public Map<String, Tensor> tensors() {
        if (closed) {
            throw new IllegalStateException("sparsity profile " + path + " is closed");
        }
        return gguf.tensors();
    }

    /**
     * @return a copy of an I32 tensor's values, ne0 fastest
     * @throws EmberException naming the tensor when it is absent, not I32, or too large for an array
     */
    public int[] ints(String tensorName) {
        Tensor t = requireTensor(tensorName);
        if (t.type() != GgmlType.I32) {
            throw new EmberException("sparsity profile " + path + ": tensor '" + tensorName + "' is " + t.type()
                    + ", expected I32");
        }
        long n = t.shape().elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new EmberException("sparsity profile " + path + ": tensor '" + tensorName + "' has " + n
                    + " values, too many for one array");
        }
        MemorySegment data = t.data();
        int[] out = new int[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = data.getAtIndex(LE_INT, i);
        }
        return out;
    }

    /**
     * @return the tensor's dimensions in ggml order (ne0 first); a copy
     * @throws EmberException naming the tensor when it is absent
     */
    public long[] shape(String tensorName) {
        return requireTensor(tensorName).shape().dims();
    }

    private Tensor requireTensor(String tensorName) {
        if (closed) {
            // the mapping is gone: reading it would fail deep in the FFM API with a vaguer message
            throw new IllegalStateException("sparsity profile " + path + " is closed");
        }
        Tensor t = gguf.findTensor(tensorName);
        if (t == null) {
            throw new EmberException("sparsity profile " + path + " has no tensor '" + tensorName + "'");
        }
        return t;
    }

    /** Releases the file's mapping; tensor accessors must not be used afterwards. */
    @Override
    public void close() {
        closed = true;
        gguf.close();
    }
}
