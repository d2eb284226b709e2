package dev.ember.bench.kernels;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The parameters and fixture every kernel benchmark shares: a weight matrix of one type and shape,
 * kernels of one provider over a pool of {@code threads}, activations for {@link #batch()} tokens and an
 * output buffer. Subclasses add the op and JMH's run settings.
 */
@State(Scope.Benchmark)
public abstract class KernelBenchmark {
    /** The kernel provider by name. */
    @Param({"scalar", "simd"})
    public String provider;

    /** The weights' block format. */
    @Param({"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    /** Rows x columns of the weight matrix. */
    @Param({"4096x4096", "11008x4096"})
    public String shape;

    /** Threads per op, the caller's included. */
    @Param({"1"})
    public int threads;

    /** The matrix and the kernels. */
    protected KernelFixture fixture;
    /** (batch, cols) activations. */
    protected float[] x;
    /** (batch, rows) outputs. */
    protected float[] y;

    /** @return tokens per op: 1 for a matvec */
    protected abstract int batch();

    /** Builds the matrix and the kernels once per trial. */
    @Setup(Level.Trial)
    public void setUp() {
        fixture = KernelFixture.open(provider, threads, type, shape);
        x = fixture.activations(batch());
        y = new float[batch() * (int) fixture.weight().rows()];
    }

    /** Frees the matrix and stops the workers. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }
}
