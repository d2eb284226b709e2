package dev.ember.gguf;

import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opening a multi-GB model costs milliseconds and no heap: a sparse file with Llama-2-7B's tensor
 * shapes (Q4_0, ~3.8 GB) is written by fillers that write nothing, then opened. The open time and
 * heap are printed for the record, never asserted (these machines are shared and noisy).
 */
class GgufLargeFileTest {
    private static final int LAYERS = 32;
    private static final long DIM = 4096;
    private static final long FF = 11008;
    private static final long VOCAB = 32000;

    @TempDir
    Path dir;

    private static GgufWriter llama2_7bShapes() {
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.name", "sparse Llama-2-7B shapes")
                .putUint32("llama.block_count", LAYERS)
                .putUint32("llama.embedding_length", DIM)
                .putUint32("llama.feed_forward_length", FF);
        GgufWriter.TensorFiller nothing = dst -> { };
        w.addTensor("token_embd.weight", GgmlType.Q4_0, new Shape(DIM, VOCAB), nothing);
        for (int i = 0; i < LAYERS; i++) {
            String b = "blk." + i + ".";
            w.addTensor(b + "attn_norm.weight", GgmlType.F32, new Shape(DIM), nothing);
            for (String proj : new String[] {"attn_q", "attn_k", "attn_v", "attn_output"}) {
                w.addTensor(b + proj + ".weight", GgmlType.Q4_0, new Shape(DIM, DIM), nothing);
            }
            w.addTensor(b + "ffn_norm.weight", GgmlType.F32, new Shape(DIM), nothing);
            w.addTensor(b + "ffn_gate.weight", GgmlType.Q4_0, new Shape(DIM, FF), nothing);
            w.addTensor(b + "ffn_up.weight", GgmlType.Q4_0, new Shape(DIM, FF), nothing);
            w.addTensor(b + "ffn_down.weight", GgmlType.Q4_0, new Shape(FF, DIM), nothing);
        }
        w.addTensor("output_norm.weight", GgmlType.F32, new Shape(DIM), nothing);
        w.addTensor("output.weight", GgmlType.Q4_0, new Shape(DIM, VOCAB), nothing);
        return w;
    }

    @Test
    void opensAMultiGigabyteModelInMillisecondsWithoutHeap() throws IOException {
        Path p = dir.resolve("llama2-7b-shapes-q4_0.gguf");
        long w0 = System.nanoTime();
        llama2_7bShapes().write(p);
        long writeMs = (System.nanoTime() - w0) / 1_000_000;
        long size = Files.size(p);

        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heapBefore = rt.totalMemory() - rt.freeMemory();
        long t0 = System.nanoTime();
        try (GgufFile f = GgufFile.open(p)) {
            long openUs = (System.nanoTime() - t0) / 1_000;
            System.gc();
            long heapAfter = rt.totalMemory() - rt.freeMemory();
            System.out.printf("GGUF large file: %.2f GB (sparse, written in %d ms), %d tensors, opened in %.1f ms;"
                    + " heap used %.1f MB before, %.1f MB after (delta %+.2f MB, after System.gc())%n",
                    size / 1e9, writeMs, f.tensors().size(), openUs / 1e3, heapBefore / 1e6, heapAfter / 1e6,
                    (heapAfter - heapBefore) / 1e6);

            assertTrue(size > 3_500_000_000L, "size " + size);
            assertEquals(1 + LAYERS * 9 + 2, f.tensors().size());
            Tensor down = f.tensor("blk.31.ffn_down.weight");
            assertEquals(new Shape(FF, DIM), down.shape());
            assertEquals(GgmlType.Q4_0.byteSize(FF * DIM), down.data().byteSize());
            Tensor last = f.tensor("output.weight");
            GgufTensorInfo lastInfo = f.tensorInfos().get(f.tensorInfos().size() - 1);
            assertEquals("output.weight", lastInfo.name());
            assertEquals(size, f.dataOffset() + lastInfo.offset() + GgufFile.pad(last.data().byteSize(), 32));
            assertEquals(0, last.data().get(ValueLayout.JAVA_BYTE, last.data().byteSize() - 1));
            assertTrue(down.data().isMapped());
        }
    }
}
