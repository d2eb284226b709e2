package dev.ember.kernels.ffm;

import dev.ember.Required;
import dev.ember.kernel.ActivationQuantizer;
import dev.ember.kernel.KernelOracle;
import dev.ember.tensor.GgmlType;
import dev.ember.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The C kernels' conformance program ({@code src/test/c/conformance.c}) against the libraries this build made:
 * every kernel set against the portable C reference and its own bit-for-bit contracts, and against vectors the
 * Java scalar oracle writes here. Natively on x86-64; for linux-aarch64 cross-compiled and run under
 * {@code qemu-aarch64} on a CPU with the dot-product extension ({@code -cpu max}) and one without
 * ({@code cortex-a53}). Skipped, with what is missing, where the compilers or qemu are not installed; under
 * {@code CI=true} (whose {@code .ci/run} installs them) a missing piece fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossArchConformanceTest {
    private static final Path SOURCE = Path.of("src/test/c/conformance.c");
    private static final Path HEADERS = Path.of("src/main/c");
    private static final Path LIBRARIES = Path.of("target/classes/native");
    private static final Pattern SUMMARY = Pattern.compile("(?m)^([a-z0-9-]+): (\\d+) checks, (\\d+) failed$");

    @TempDir
    Path dir;

    private Path vectors;

    @BeforeAll
    void writeVectors(@TempDir Path tmp) throws IOException {
        vectors = tmp.resolve("vectors.bin");
        Files.write(vectors, oracleVectors(new Random(20261206)));
    }

    @Test
    void hostLibraryPassesEverySetItRuns() throws Exception {
        String platform = NativeLibrary.platform();
        Path lib = LIBRARIES.resolve(platform).resolve("libember_kernels.so");
        String cc = find("cc", "gcc");
        Required.that(cc != null, "no C compiler (cc, gcc) to build the conformance program");
        Required.that(Files.isRegularFile(lib), "no native library for " + platform + " at " + lib);
        Path exe = compile(cc, lib, "conformance-host");
        String out = run(List.of(exe.toString(), vectors.toString()));
        Map<String, Integer> passed = passedChecks(out);
        assertTrue(passed.getOrDefault("generic", 0) > 10_000, out);
        if (platform.equals("linux-x86_64") && NativeLibrary.isa() != null) {
            assertTrue(passed.getOrDefault("avx2", 0) > 10_000, out);
        }
    }

    @Test
    void aarch64LibraryPassesWithAndWithoutDotProductUnderQemu() throws Exception {
        Path lib = LIBRARIES.resolve("linux-aarch64").resolve("libember_kernels.so");
        String cc = find("aarch64-linux-gnu-gcc");
        String qemu = find("qemu-aarch64");
        Path sysroot = Path.of("/usr/aarch64-linux-gnu");
        Required.that(cc != null && qemu != null && Files.isDirectory(sysroot),
                "needs aarch64-linux-gnu-gcc and qemu-aarch64 (Debian: gcc-aarch64-linux-gnu, qemu-user)");
        Required.that(Files.isRegularFile(lib), "the build made no linux-aarch64 library at " + lib
                + " (it cross-compiles where aarch64-linux-gnu-gcc is installed: rebuild)");
        Path exe = compile(cc, lib, "conformance-aarch64");

        String withDot = run(List.of(qemu, "-L", sysroot.toString(), "-cpu", "max", exe.toString(), vectors.toString()));
        assertTrue(withDot.contains("chosen for this CPU: neon-dotprod"), withDot);
        Map<String, Integer> passed = passedChecks(withDot);
        for (String isa : List.of("generic", "neon", "neon-dotprod")) {
            assertTrue(passed.getOrDefault(isa, 0) > 10_000, isa + " in\n" + withDot);
        }

        String without = run(List.of(qemu, "-L", sysroot.toString(), "-cpu", "cortex-a53", exe.toString(),
                vectors.toString()));
        assertTrue(without.contains("chosen for this CPU: neon\n"), without);
        assertTrue(without.contains("neon-dotprod: not in this library or not on this CPU"), without);
        assertTrue(passedChecks(without).getOrDefault("neon", 0) > 10_000, without);
    }

    /** @return the first of these commands on the PATH, or null */
    private static String find(String... commands) {
        for (String c : commands) {
            for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
                if (!d.isEmpty() && Files.isExecutable(Path.of(d, c))) {
                    return Path.of(d, c).toString();
                }
            }
        }
        return null;
    }

    private Path compile(String cc, Path lib, String name) throws Exception {
        Path exe = dir.resolve(name);
        Path libDir = lib.getParent().toAbsolutePath();
        run(List.of(cc, "-O2", "-Wall", "-Wextra", "-I" + HEADERS, "-o", exe.toString(), SOURCE.toString(),
                "-L" + libDir, "-lember_kernels", "-Wl,-rpath," + libDir, "-lm"));
        return exe;
    }

    /** @return the command's output; fails the test if it does not exit 0 within two minutes */
    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes(); // until it exits: the output is small
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "still running: " + command);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + text);
        return text;
    }

    /** @return each set's checks, from its summary line; fails on a set with failures */
    private static Map<String, Integer> passedChecks(String out) {
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        Matcher s = SUMMARY.matcher(out);
        while (s.find()) {
            assertEquals("0", s.group(3), s.group(0) + "\n" + out);
            m.put(s.group(1), Integer.parseInt(s.group(2)));
        }
        return m;
    }

    /** The vectors file conformance.c reads: row dots and float accumulations, expected from the scalar oracle. */
    static byte[] oracleVectors(Random rng) {
        List<byte[]> cases = new ArrayList<>();
        GgmlType[] types = {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K};
        for (int code = 0; code < types.length; code++) {
            cases.add(rowsCase(code, types[code], 13, 512, 3, rng));
        }
        cases.add(accumulateCase(0, GgmlType.Q4_0, 40, 512, rng));
        cases.add(accumulateCase(1, GgmlType.Q8_0, 40, 512, rng));
        int bytes = 4 + cases.stream().mapToInt(b -> b.length).sum();
        ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(cases.size());
        cases.forEach(out::put);
        return out.array();
    }

    private static byte[] rowsCase(int code, GgmlType type, int rows, int cols, int batch, Random rng) {
        Tensor w = KernelOracle.quantizedGaussian(type, rows, cols, rng);
        float[] x = KernelOracle.gaussian(rng, batch * cols, 1.0);
        ActivationQuantizer.Pairing pairing = ActivationQuantizer.pairing(type);
        long xBytes = pairing.activationBytes(cols);
        MemorySegment xq = new ActivationQuantizer().quantize(pairing, x, 0, cols, batch);
        float[][] dense = KernelOracle.dequantize(w);
        ByteBuffer b = header(0, code, rows, cols, batch, w.rowBytes() * rows + xBytes * batch + 8L * batch * rows);
        b.put(w.data().asSlice(0, w.rowBytes() * rows).toArray(ValueLayout.JAVA_BYTE));
        b.put(xq.asSlice(0, xBytes * batch).toArray(ValueLayout.JAVA_BYTE));
        for (int t = 0; t < batch; t++) {
            for (int r = 0; r < rows; r++) {
                b.putFloat(pairing.dot().dot(w.data(), r * w.rowBytes(), xq, t * xBytes, cols));
            }
        }
        for (int t = 0; t < batch; t++) {
            for (int r = 0; r < rows; r++) {
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    magnitude += Math.abs(dense[r][c] * x[t * cols + c]);
                }
                b.putFloat((float) magnitude);
            }
        }
        return b.array();
    }

    private static byte[] accumulateCase(int code, GgmlType type, int rows, int cols, Random rng) {
        Tensor w = KernelOracle.quantizedGaussian(type, rows, cols, rng);
        float[][] dense = KernelOracle.dequantize(w);
        int[] ids = {3, 0, 39, 17, 17, 8, 22, 5, 30};
        float[] a = KernelOracle.gaussian(rng, ids.length, 1.0);
        ByteBuffer b = header(1, code, rows, cols, ids.length, w.rowBytes() * rows + 8L * ids.length + 8L * cols);
        b.put(w.data().asSlice(0, w.rowBytes() * rows).toArray(ValueLayout.JAVA_BYTE));
        for (int id : ids) {
            b.putInt(id);
        }
        for (float v : a) {
            b.putFloat(v);
        }
        double[] sum = new double[cols];
        double[] magnitude = new double[cols];
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < cols; j++) {
                sum[j] += (double) a[i] * dense[ids[i]][j];
                magnitude[j] += Math.abs((double) a[i] * dense[ids[i]][j]);
            }
        }
        for (double s : sum) {
            b.putFloat((float) s);
        }
        for (double m : magnitude) {
            b.putFloat((float) m);
        }
        return b.array();
    }

    private static ByteBuffer header(int op, int type, int rows, int cols, int n, long payload) {
        return ByteBuffer.allocate(Math.toIntExact(20 + payload)).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(op).putInt(type).putInt(rows).putInt(cols).putInt(n);
    }
}
