/**
 * Benchmarks, on top of every other module (nothing depends on this one): {@link dev.ember.bench.BenchCli} is
 * {@code ember bench}; {@code kernels} holds the JMH kernel benchmarks, {@code e2e} the end-to-end harness.
 */
package dev.ember.bench;
