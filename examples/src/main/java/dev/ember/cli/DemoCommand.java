package dev.ember.cli;

import dev.ember.gguf.GgufFile;
import dev.ember.gguf.GgufWriter;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Shape;
import dev.ember.tensor.quant.Dequantize;
import dev.ember.tensor.quant.Quantize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code ember demo}: the README's first command. Text generation arrives with the engine; until
 * then the demo shows the foundation working end to end on a machine with no model at hand: it
 * writes a small GGUF with random weights, maps it back, and round-trips a Q8_0 row.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Show Ember working on a machine with no model at hand.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private static final int DIM = 256;
    private static final int ROWS = 512;

    @Override
    public Integer call() throws IOException {
        out().println("Ember demo. Text generation arrives with the engine; this shows the foundation:");
        Path dir = Files.createTempDirectory("ember-demo");
        Path file = dir.resolve("demo-q8_0.gguf");
        try {
            SplittableRandom rng = new SplittableRandom(42);
            float[] weights = new float[DIM * ROWS];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) (rng.nextDouble() * 2 - 1) * 0.1f;
            }
            new GgufWriter()
                    .putString("general.architecture", "llama")
                    .putString("general.name", "ember-demo")
                    .addTensor("token_embd.weight", GgmlType.Q8_0, new Shape(DIM, ROWS),
                            dst -> Quantize.row(GgmlType.Q8_0, weights, 0, dst, 0, weights.length))
                    .write(file);
            out().printf("  wrote  %s (%d bytes, one %dx%d Q8_0 tensor) with GgufWriter%n",
                    file, Files.size(file), ROWS, DIM);
            long t0 = System.nanoTime();
            try (GgufFile gguf = GgufFile.open(file)) {
                double ms = (System.nanoTime() - t0) / 1e6;
                out().printf("  mapped it back in %.2f ms: %d tensor(s), data at offset %d%n",
                        ms, gguf.tensorInfos().size(), gguf.dataOffset());
                float[] row = new float[DIM];
                Dequantize.row(gguf.tensor("token_embd.weight"), 7, row);
                double maxErr = 0;
                for (int i = 0; i < DIM; i++) {
                    maxErr = Math.max(maxErr, Math.abs(row[i] - weights[7 * DIM + i]));
                }
                out().printf("  row 7 dequantized from the mapping: max |error| %.5f (Q8_0 step %.5f)%n",
                        maxErr, 0.1 / 127);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
        out().println("Next: ./ember inspect --model M.gguf   and   ./ember tokenize --model M.gguf --text 'Hello'");
        return 0;
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
