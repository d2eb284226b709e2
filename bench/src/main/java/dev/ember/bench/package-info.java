/** Benchmarks: JMH kernel benchmarks and the end-to-end harness behind {@code ember bench} (speed issue). */
package dev.ember.bench;
