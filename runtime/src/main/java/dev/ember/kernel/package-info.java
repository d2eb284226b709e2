/**
 * The kernel SPI and its scalar reference: {@link dev.ember.kernel.Kernels} (the primitive ops),
 * {@link dev.ember.kernel.KernelProvider} (ServiceLoader plug-ins), the persistent
 * {@link dev.ember.kernel.WorkerPool}. Pipeline: tensor -> gguf -> <b>kernel</b> -> model ->
 * tokenizer/sampling -> generate.
 */
package dev.ember.kernel;
