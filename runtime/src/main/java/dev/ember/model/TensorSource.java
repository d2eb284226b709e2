package dev.ember.model;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufFormatException;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.quant.Dequantize;

/**
 * Looks tensors up by name with the shape the config implies, like llama.cpp's {@code create_tensor(name, {ne0,
 * ne1}, flags)}: required ones fail with the name and both shapes, optional ones come back null. Matrices stay
 * views of the mapping; vectors (norm weights, biases: a few KB) are decoded to float arrays once, because the
 * kernels take them as {@code float[]}.
 */
final class TensorSource {
    private final GgufFile file;
    private final String architecture;

    TensorSource(GgufFile file, Config config) {
        this.file = file;
        this.architecture = config.architecture();
    }

    /** @return true if the file holds a tensor of this name */
    boolean has(String name) {
        return file.findTensor(name) != null;
    }

    /** @return the matrix of {@code rows} rows of {@code cols} (ggml [cols, rows]); an error if absent */
    Tensor matrix(String name, int cols, int rows) {
        Tensor t = optionalMatrix(name, cols, rows);
        if (t == null) {
            throw missing(name);
        }
        return t;
    }

    /** @return the matrix, or null if the file has no tensor of this name */
    Tensor optionalMatrix(String name, int cols, int rows) {
        Tensor t = file.findTensor(name);
        if (t == null) {
            return null;
        }
        check(t, new Shape(cols, rows));
        if (!Dequantize.supported().contains(t.type())) {
            throw new GgufFormatException(file.path(), -1, architecture + " model: tensor '" + name + "' has type "
                    + t.type() + ", which Ember cannot multiply (supported: " + Dequantize.supported() + ")");
        }
        return t;
    }

    /** @return the n values of a 1-D tensor as floats; an error if absent */
    float[] vector(String name, int n) {
        float[] v = optionalVector(name, n);
        if (v == null) {
            throw missing(name);
        }
        return v;
    }

    /** @return the n values of a 1-D tensor as floats, or null if the file has no tensor of this name */
    float[] optionalVector(String name, int n) {
        Tensor t = file.findTensor(name);
        if (t == null) {
            return null;
        }
        check(t, new Shape(n));
        float[] v = new float[n];
        Dequantize.row(t.type(), t.data(), 0, v, 0, n);
        return v;
    }

    /** Refuses a tensor that llama.cpp would use but Ember would silently ignore. */
    void refuse(String name, String why) {
        if (has(name)) {
            throw new UnsupportedModelException(architecture + " model: tensor '" + name + "' is not supported ("
                    + why + ")");
        }
    }

    private void check(Tensor t, Shape expected) {
        if (!t.shape().equals(expected)) {
            throw new GgufFormatException(file.path(), -1, architecture + " model: tensor '" + t.name()
                    + "' has shape " + t.shape() + ", the config implies " + expected);
        }
    }

    private GgufFormatException missing(String name) {
        return new GgufFormatException(file.path(), -1, architecture + " model: tensor '" + name + "' is missing");
    }
}
