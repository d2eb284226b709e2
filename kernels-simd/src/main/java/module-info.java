/** Vector API kernels for Ember, a plug-in found through {@code ServiceLoader} (see the engine issue). */
module dev.ember.kernels.simd {
    requires dev.ember.runtime;
    requires jdk.incubator.vector;
}
