/**
 * Vector API (Panama) implementations of Ember's kernel SPI. Empty until the kernel SPI exists;
 * the module is in the build so that its dependency rules (runtime only, plus
 * {@code jdk.incubator.vector}) are checked from the start.
 */
package dev.ember.kernels.simd;
