package dev.ember.sparsity;

import dev.ember.EmberException;
import dev.ember.Model;
import dev.ember.SessionOptions;
import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufValue;
import dev.ember.gguf.GgufWriter;
import dev.ember.kernel.Kernels;
import dev.ember.model.DenseFeedForward;
import dev.ember.model.Weights;
import dev.ember.sparsity.profile.ModelHash;
import dev.ember.sparsity.profile.ProfileTensors;
import dev.ember.sparsity.profile.SparsityProfile;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;

import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A sparse-ready model file ({@code ember sparsify}): the source model's metadata and tensors, its sparsity
 * profile (so the file is a profile too: {@code --model M.sparse.gguf --sparsity chess:M.sparse.gguf}), and the
 * sparse FFN's matrices in their final layout, mapped and used as they are:
 * <ul>
 *   <li>{@code blk.N.ffn_gate.sparse}, {@code blk.N.ffn_up.sparse}: W_gate and W_up rows in the profile's
 *       frequency order (absent when the profile has none: the model's own rows are that order);</li>
 *   <li>{@code blk.N.ffn_down.sparse}: the neuron-major W_down ({@link NeuronMajor}) in that order;</li>
 *   <li>{@code blk.N.ffn_bundles}: the kernel provider's own layout of the three (the native fused pass's neuron
 *       bundles), named in {@value #KERNEL_LAYOUT_KEY}, when the provider that wrote the file has one;</li>
 *   <li>with {@code attention}, TEAL's input-major attention matrices ({@code blk.N.attn_qkv.input_major}, or
 *       q, k and v apart, and {@code blk.N.attn_output.input_major}).</li>
 * </ul>
 * {@value #SOURCE_HASH_KEY} ties the file to its source ({@link ModelHash} of it): profiles calibrated on the
 * source work with the sparse-ready file, and the profile inside carries that hash.
 */
public final class SparseReadyFile {
    /** The {@link ModelHash} of the model the file was made from. */
    public static final String SOURCE_HASH_KEY = "ember.sparse.source_hash";
    /** The kernel layout the bundles are stored in ({@link Kernels#sparseLayout}), when they are. */
    public static final String KERNEL_LAYOUT_KEY = "ember.sparse.kernel_layout";

    private SparseReadyFile() {
    }

    static String gate(int layer) {
        return "blk." + layer + ".ffn_gate.sparse";
    }

    static String up(int layer) {
        return "blk." + layer + ".ffn_up.sparse";
    }

    static String down(int layer) {
        return "blk." + layer + ".ffn_down.sparse";
    }

    static String bundles(int layer) {
        return "blk." + layer + ".ffn_bundles";
    }

    /** @return the name of layer's stored input-major W_q|W_k|W_v (TEAL) */
    public static String attentionQkv(int layer) {
        return "blk." + layer + ".attn_qkv.input_major";
    }

    /** @return the name of layer's stored input-major attention matrix {@code what} (q, k, v or output) */
    public static String attention(String what, int layer) {
        return "blk." + layer + ".attn_" + what + ".input_major";
    }

    /** @return whether the model file is sparse-ready */
    public static boolean isSparseReady(GgufFile model) {
        return model.metadata().contains(SOURCE_HASH_KEY);
    }

    /** @return the hash a profile of this model carries: its source's for a sparse-ready file, else its own */
    public static String modelHash(GgufFile model) {
        GgufValue v = model.metadata().get(SOURCE_HASH_KEY);
        return v != null ? v.value().toString() : ModelHash.of(model.path());
    }

    /**
     * @param order per layer, the order a profile asks for (null: the natural order)
     * @return the file's stored layout when it is sparse-ready in that order, else null
     */
    static NeuronLayout stored(GgufFile model, Weights weights, int[][] order) {
        if (!isSparseReady(model)) {
            return null;
        }
        int layers = weights.config().layers();
        Tensor[] g = new Tensor[layers];
        Tensor[] u = new Tensor[layers];
        Tensor[] d = new Tensor[layers];
        Tensor[] b = new Tensor[layers];
        boolean withBundles = model.metadata().contains(KERNEL_LAYOUT_KEY);
        for (int l = 0; l < layers; l++) {
            Tensor embedded = model.findTensor(ProfileTensors.order(l));
            boolean same = order == null ? embedded == null
                    : embedded != null && Arrays.equals(order[l], embedded.data().toArray(
                    java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN)));
            d[l] = model.findTensor(down(l));
            if (!same || d[l] == null) {
                return null; // another order than the file's (a profile other than the one inside)
            }
            g[l] = order == null ? weights.layer(l).ffnGate() : model.tensor(gate(l));
            u[l] = order == null ? weights.layer(l).ffnUp() : model.tensor(up(l));
            check(model, g[l], weights.layer(l).ffnGate().shape(), weights.layer(l).ffnGate().type());
            check(model, u[l], weights.layer(l).ffnUp().shape(), weights.layer(l).ffnUp().type());
            check(model, d[l], new Shape(weights.config().dim(), weights.config().ffnDim()), d[l].type());
            b[l] = withBundles ? model.findTensor(bundles(l)) : null;
            withBundles &= b[l] != null;
        }
        return new NeuronLayout(g, u, d, order, withBundles ? model.metadata().getString(KERNEL_LAYOUT_KEY) : null,
                withBundles ? b : null);
    }

    /** @throws EmberException naming the tensor when a stored matrix has another shape or type than its source */
    private static void check(GgufFile model, Tensor t, Shape shape, GgmlType type) {
        if (!java.util.Arrays.equals(t.shape().dims(), shape.dims()) || t.type() != type) {
            throw new EmberException(model.path() + ": stored tensor '" + t.name() + "' is " + t.type() + " "
                    + t.shape() + ", the model needs " + type + " " + shape + "; sparsify the source again");
        }
    }

    /**
     * What {@link #write} wrote.
     *
     * @param method       the profile's method
     * @param ordered      whether the FFN rows are stored in frequency order
     * @param kernelLayout the stored bundles' layout, or null when none were stored
     * @param attention    whether TEAL's input-major attention copies were stored
     * @param bytes        the file's size
     * @param seconds      the time it took
     */
    public record Summary(String method, boolean ordered, String kernelLayout, boolean attention, long bytes,
                          double seconds) {
    }

    /**
     * Writes the sparse-ready file of {@code model} with a chess or predictor profile, the layouts made by the
     * model's own kernels (so the bundles are the ones its provider would build at load).
     *
     * @param attention also store TEAL's input-major attention copies (for {@code attn:S} and {@code attn:PROFILE})
     * @throws EmberException naming the problem: a profile of another model or method, a file that is already
     *                        sparse-ready, an unwritable output
     */
    public static Summary write(Model model, Path profile, Path out, boolean attention) {
        long t0 = System.nanoTime();
        GgufFile source = model.gguf();
        if (isSparseReady(source)) {
            throw new EmberException(model.path() + " is already sparse-ready; sparsify its source model");
        }
        String hash = ModelHash.of(model.path());
        try (SparsityProfile p = SparsityProfile.open(profile, hash)) {
            if (!p.method().equals("chess") && !p.method().equals("predictor")) {
                throw new EmberException("profile " + profile + " is a '" + p.method()
                        + "' profile; sparsify takes a chess or predictor profile");
            }
            // the model's weights and kernels, as a session sees them
            Object[] seen = new Object[2];
            model.newSession(SessionOptions.builder().contextLength(8).maxBatch(1).build(), (w, k, maxBatch) -> {
                seen[0] = w;
                seen[1] = k;
                return DenseFeedForward.FACTORY.create(w, k, maxBatch);
            });
            Weights weights = (Weights) seen[0];
            Kernels kernels = (Kernels) seen[1];
            NeuronLayout layout = SparseMethods.layout(p, weights, () -> NeuronLayout.natural(weights), null);
            int layers = weights.config().layers();
            String kernelLayout = kernels.sparseLayout(layout.gate()[0], layout.up()[0], layout.down()[0]);
            for (int l = 1; l < layers && kernelLayout != null; l++) {
                if (!kernelLayout.equals(kernels.sparseLayout(layout.gate()[l], layout.up()[l], layout.down()[l]))) {
                    kernelLayout = null; // layers of different types: the file holds the portable layouts only
                }
            }

            GgufWriter w = new GgufWriter().putAll(source.metadata())
                    .putString(SOURCE_HASH_KEY, hash)
                    .putString(SparsityProfile.METHOD_KEY, p.method())
                    .putString(SparsityProfile.MODEL_HASH_KEY, hash)
                    .putUint32(SparsityProfile.LAYERS_KEY, p.layers());
            for (Map.Entry<String, String> e : p.params().entrySet()) {
                w.putString(SparsityProfile.PARAM_PREFIX + e.getKey(), e.getValue());
            }
            if (kernelLayout != null) {
                w.putString(KERNEL_LAYOUT_KEY, kernelLayout);
            }
            for (Tensor t : source.tensors().values()) {
                w.addTensor(t.name(), t.type(), t.shape(), t.data());
            }
            for (Tensor t : p.tensors().values()) {
                if (source.findTensor(t.name()) != null) {
                    throw new EmberException("profile tensor '" + t.name() + "' has the name of a model tensor");
                }
                w.addTensor(t.name(), t.type(), t.shape(), t.data());
            }
            for (int l = 0; l < layers; l++) {
                if (layout.order() != null) {
                    add(w, gate(l), layout.gate()[l]);
                    add(w, up(l), layout.up()[l]);
                }
                add(w, down(l), layout.down()[l]);
                if (kernelLayout != null) { // the provider's bytes, a row per neuron
                    MemorySegment b = kernels.buildSparseLayout(layout.gate()[l], layout.up()[l], layout.down()[l]);
                    long neurons = layout.gate()[l].rows();
                    w.addTensor(bundles(l), GgmlType.I8, new Shape(b.byteSize() / neurons, neurons), b);
                }
            }
            if (attention) {
                Tensor[][] copies = dev.ember.sparsity.teal.TealProjections.copies(weights, null);
                for (int l = 0; l < layers; l++) {
                    if (copies[0][l] != null) {
                        add(w, attentionQkv(l), copies[0][l]);
                    } else {
                        add(w, attention("q", l), copies[1][l]);
                        add(w, attention("k", l), copies[2][l]);
                        add(w, attention("v", l), copies[3][l]);
                    }
                    add(w, attention("output", l), copies[4][l]);
                }
            }
            try {
                w.write(out);
            } catch (UncheckedIOException e) {
                throw new EmberException("cannot write " + out + ": " + e.getMessage(), e);
            }
            return new Summary(p.method(), layout.order() != null, kernelLayout, attention, out.toFile().length(),
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    private static void add(GgufWriter w, String name, Tensor t) {
        w.addTensor(name, t.type(), t.shape(), t.data());
    }
}
