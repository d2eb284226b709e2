package dev.ember.bench.e2e;

import dev.ember.gguf.GgufTensorInfo;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bytes per token against sums done by hand for small models. */
class BytesPerTokenTest {
    /** One layer, dim 64, kv dim 32, ffn 128, vocab 100, Q8_0 matrices (34 bytes per 32 weights), F32 norms. */
    private static List<GgufTensorInfo> model(boolean withOutput) {
        GgmlType q = GgmlType.Q8_0;
        List<GgufTensorInfo> untied = List.of(
                new GgufTensorInfo("token_embd.weight", new Shape(64, 100), q, 0),
                new GgufTensorInfo("output_norm.weight", new Shape(64), GgmlType.F32, 0),
                new GgufTensorInfo("output.weight", new Shape(64, 100), q, 0),
                new GgufTensorInfo("blk.0.attn_norm.weight", new Shape(64), GgmlType.F32, 0),
                new GgufTensorInfo("blk.0.attn_q.weight", new Shape(64, 64), q, 0),
                new GgufTensorInfo("blk.0.attn_k.weight", new Shape(64, 32), q, 0),
                new GgufTensorInfo("blk.0.attn_v.weight", new Shape(64, 32), q, 0),
                new GgufTensorInfo("blk.0.attn_output.weight", new Shape(64, 64), q, 0),
                new GgufTensorInfo("blk.0.ffn_norm.weight", new Shape(64), GgmlType.F32, 0),
                new GgufTensorInfo("blk.0.ffn_gate.weight", new Shape(64, 128), q, 0),
                new GgufTensorInfo("blk.0.ffn_up.weight", new Shape(64, 128), q, 0),
                new GgufTensorInfo("blk.0.ffn_down.weight", new Shape(128, 64), q, 0));
        return withOutput ? untied : untied.stream().filter(t -> !t.name().equals("output.weight")).toList();
    }

    @Test
    void untiedModelCountsLayerMatricesOutputAndOneEmbeddingRow() {
        // layer: q 64*64 + k 64*32 + v 64*32 + o 64*64 + gate, up, down 3 * 64*128 = 36864 weights
        // output 64*100 = 6400, one embedding row 64: 43328 weights = 1354 blocks of 32, 34 bytes each
        assertEquals(1354 * 34, BytesPerToken.of(model(true)));
    }

    @Test
    void tiedModelReadsTheEmbeddingAsTheOutput() {
        assertEquals(1354 * 34, BytesPerToken.of(model(false)));
    }

    @Test
    void mainTypeIsTheTypeHoldingMostBytes() {
        assertEquals(GgmlType.Q8_0, BytesPerToken.mainType(model(true)));
    }
}
