/** C kernels for Ember called through the FFM API, a plug-in found through {@code ServiceLoader}. */
module dev.ember.kernels.ffm {
    requires dev.ember.runtime;

    provides dev.ember.kernel.KernelProvider with dev.ember.kernels.ffm.NativeKernelProvider;
}
