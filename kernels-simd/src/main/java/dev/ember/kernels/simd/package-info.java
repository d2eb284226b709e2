/**
 * Vector API (Panama) implementations of Ember's kernel SPI: {@link dev.ember.kernels.simd.SimdKernelProvider}
 * (found through {@code ServiceLoader}) creates {@link dev.ember.kernels.simd.SimdKernels}, which converts
 * activations as the scalar reference does and then runs a vector dot per weight format ({@code Q4_0Dot}, ...)
 * and vector float ops ({@code VectorOps}). Sits beside {@code runtime}'s scalar kernels, which stay the oracle.
 */
package dev.ember.kernels.simd;
