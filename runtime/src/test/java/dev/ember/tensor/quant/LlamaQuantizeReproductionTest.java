package dev.ember.tensor.quant;

import dev.ember.SharedData;
import dev.ember.gguf.GgufFile;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The strongest quantizer check: quantizing the synth256 F32 master must give llama-quantize's bytes, for
 * every tensor of every synth256 file whose type Ember can quantize (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K,
 * Q6_K, F16, BF16). The master is not in {@code ../shared} (it is over the size limit), so this runs only
 * when {@code EMBER_SYNTH256_F32} names a folder of {@code <tensor name>.bin} files (raw little-endian
 * float32, ggml order), made by following README-synth256.md's recipe with numpy:
 *
 * <pre>
 * rng = np.random.default_rng(256)
 * draw = lambda shape, std: rng.standard_normal(shape, dtype=np.float32) * np.float32(std)
 * norm = lambda n: np.float32(1) + rng.standard_normal(n, dtype=np.float32) * np.float32(0.1)
 * token_embd (512,256) std 1.0; output_norm 256; output (512,256) std 0.15; per layer: attn_norm,
 * attn_q (256,256), attn_k (128,256), attn_v (128,256), attn_output (256,256), ffn_norm, ffn_gate (768,256),
 * ffn_up (768,256) std 0.0625, ffn_down (256,768) std 0.0625*sqrt(256/768); v.astype('&lt;f4').tofile(name + '.bin')
 * </pre>
 *
 * The regenerated norms match the files' F32 norms byte for byte, which confirms the recipe. Skipped (not
 * failed) without the folder, also under CI: it is an opt-in check, not reference data.
 */
class LlamaQuantizeReproductionTest {

    @TestFactory
    List<DynamicTest> quantizingTheMasterReproducesLlamaQuantize() throws IOException {
        String dir = System.getenv("EMBER_SYNTH256_F32");
        assumeTrue(dir != null && Files.isDirectory(Path.of(dir)), "EMBER_SYNTH256_F32 is not set to a folder");
        Path master = Path.of(dir);
        List<DynamicTest> tests = new ArrayList<>();
        try (var files = Files.list(SharedData.require("models"))) {
            for (Path model : files.filter(p -> p.getFileName().toString().matches("synth256-.*\\.gguf")).sorted()
                    .toList()) {
                tests.add(DynamicTest.dynamicTest(model.getFileName().toString(), () -> checkFile(model, master)));
            }
        }
        return tests;
    }

    private static void checkFile(Path model, Path master) throws IOException {
        int checked = 0;
        try (GgufFile gguf = GgufFile.open(model); Arena arena = Arena.ofConfined()) {
            for (Tensor t : gguf.tensors().values()) {
                if (t.type() == GgmlType.F32 || !Quantize.supported().contains(t.type())) {
                    continue;
                }
                float[] x = readFloats(master.resolve(t.name() + ".bin"));
                MemorySegment out = arena.allocate(t.data().byteSize());
                int n = (int) t.shape().rowLength();
                for (long r = 0; r < t.rows(); r++) {
                    Quantize.row(t.type(), x, (int) (r * n), out, r * t.rowBytes(), n);
                }
                long at = MemorySegment.mismatch(t.data(), 0, t.data().byteSize(), out, 0, out.byteSize());
                if (at >= 0) {
                    fail(String.format("%s tensor '%s' (%s): first differing byte %d (row %d, block %d of the row)",
                            model.getFileName(), t.name(), t.type(), at, at / t.rowBytes(),
                            at % t.rowBytes() / t.type().bytesPerBlock()));
                }
                checked++;
            }
        }
        assertTrue(checked > 0 || model.toString().contains("Q5_K"), model + ": nothing Ember can quantize");
    }

    private static float[] readFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(x);
        return x;
    }
}
