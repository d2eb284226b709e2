/**
 * JMH kernel benchmarks (the kernel workbench): one class per op, parameterized by provider, weight type and
 * shape, each reporting weights streamed per second. Run them with {@code ./ember bench jmh NAME [JMH options]}.
 */
package dev.ember.bench.kernels;
