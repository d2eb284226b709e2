package dev.ember.model;

import dev.ember.EmberException;

/**
 * One session's keys and values for every layer and position, in F32 as the llama.cpp references were run
 * ({@code type_k = type_v = f32}). Position-major per layer, so a step appends one contiguous kvDim row and
 * attention reads positions 0..p in order. One array per layer keeps every index within an int.
 */
final class KvCache {
    private final int kvDim;
    private final float[][] keys;    // (layers, contextLength * kvDim)
    private final float[][] values;  // (layers, contextLength * kvDim)

    KvCache(int layers, int contextLength, int kvDim) {
        this.kvDim = kvDim;
        long perLayer = (long) contextLength * kvDim;
        if (perLayer > Integer.MAX_VALUE - 8) {
            throw new EmberException("a context of " + contextLength + " positions of " + kvDim
                    + " key values does not fit one array per layer; use a shorter context");
        }
        this.keys = new float[layers][(int) perLayer];
        this.values = new float[layers][(int) perLayer];
    }

    /** Stores {@code count} rows of k and v (each (count, kvDim)) at positions {@code pos ..} of one layer. */
    void store(int layer, int pos, float[] k, float[] v, int count) {
        System.arraycopy(k, 0, keys[layer], pos * kvDim, count * kvDim);
        System.arraycopy(v, 0, values[layer], pos * kvDim, count * kvDim);
    }

    /** @return the layer's keys, (contextLength, kvDim) */
    float[] keys(int layer) {
        return keys[layer];
    }

    /** @return the layer's values, (contextLength, kvDim) */
    float[] values(int layer) {
        return values[layer];
    }
}
