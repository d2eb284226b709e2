/**
 * The kernel SPI and its scalar reference. {@link dev.ember.kernel.Kernels} holds the primitive ops of a
 * forward pass; {@link dev.ember.kernel.KernelProvider} plug-ins are found by {@code ServiceLoader} and one is
 * chosen at load by {@link dev.ember.kernel.KernelSelection}; {@link dev.ember.kernel.ScalarKernels} is the
 * reference (llama.cpp's CPU numerics, in plain Java) that the SIMD and native kernels are tested against;
 * {@link dev.ember.kernel.ActivationQuantizer} states which activation format each weight type is multiplied
 * with; {@link dev.ember.kernel.WorkerPool} is the persistent threads that split rows. Pipeline: tensor -&gt;
 * gguf -&gt; <b>kernel</b> -&gt; model -&gt; tokenizer/sampling -&gt; generate.
 */
package dev.ember.kernel;
