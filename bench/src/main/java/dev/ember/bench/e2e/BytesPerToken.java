package dev.ember.bench.e2e;

import dev.ember.gguf.GgufTensorInfo;
import dev.ember.model.TensorNames;
import dev.ember.tensor.GgmlType;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes of weights one decoded token reads: the decode bound is {@code bandwidth / bytesPerToken}.
 *
 * <p>Counted: every matrix of every block ({@code blk.N.*} with two dimensions), the output matrix (the token
 * embedding when the output is tied to it), and one row of the token embedding (the lookup). Not counted:
 * norms and biases (one vector each, under 0.1 % of a layer) and the KV cache, which grows with the position
 * and is not a weight; at the short contexts of {@code ember bench} it is small beside the weights.
 */
public final class BytesPerToken {
    private BytesPerToken() {
    }

    /** @return the bytes of weights read to decode one token of a model with these tensors */
    public static long of(List<GgufTensorInfo> tensors) {
        long total = 0;
        GgufTensorInfo embedding = null;
        boolean hasOutput = false;
        for (GgufTensorInfo t : tensors) {
            if (t.name().equals(TensorNames.TOKEN_EMBD)) {
                embedding = t;
            } else if (t.name().equals(TensorNames.OUTPUT)) {
                hasOutput = true;
                total += t.byteSize();
            } else if (t.name().startsWith("blk.") && t.shape().rank() >= 2) {
                total += t.byteSize();
            }
        }
        if (embedding != null) {
            total += embedding.type().byteSize(embedding.shape().rowLength()); // the looked-up row
            if (!hasOutput) {
                total += embedding.byteSize(); // tied: the embedding is also the output matrix
            }
        }
        return total;
    }

    /** @return the type that holds the most bytes of weights: what a model's "quant" is, for a report */
    public static GgmlType mainType(List<GgufTensorInfo> tensors) {
        Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : tensors) {
            bytes.merge(t.type(), t.byteSize(), Long::sum);
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }
}
