/**
 * Ember's runtime: GGUF files over mmap, block formats, tokenizers and (later) the model, sessions
 * and scalar reference kernels. It runs alone on any JDK with the FFM API; SIMD and native kernels
 * are plug-ins found through {@code ServiceLoader}. It must never require {@code jdk.incubator.vector}.
 */
module dev.ember.runtime {
    requires org.agrona;

    uses dev.ember.kernel.KernelProvider;
    uses dev.ember.model.SparsityProvider;
    provides dev.ember.kernel.KernelProvider with dev.ember.kernel.ScalarKernelProvider;

    exports dev.ember;
    exports dev.ember.tensor;
    exports dev.ember.tensor.quant;
    exports dev.ember.gguf;
    exports dev.ember.kernel;
    exports dev.ember.model;
    exports dev.ember.tokenizer;
    exports dev.ember.sampling;
}
