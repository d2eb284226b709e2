/**
 * CoreInfer: the neurons a prompt uses most (its sentence-level core, {@link dev.ember.sparsity.coreinfer.CoreNeurons})
 * become a compacted dense FFN for the decode that follows.
 */
package dev.ember.sparsity.coreinfer;
