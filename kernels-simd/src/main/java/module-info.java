/**
 * Vector API kernels for Ember: a {@link dev.ember.kernel.KernelProvider} found through
 * {@code ServiceLoader} (on the class path, through {@code META-INF/services}, too).
 */
module dev.ember.kernels.simd {
    requires dev.ember.runtime;
    requires jdk.incubator.vector;

    provides dev.ember.kernel.KernelProvider with dev.ember.kernels.simd.SimdKernelProvider;
}
