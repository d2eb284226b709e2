/**
 * TEAL: attention-side input sparsity. The inputs of the attention's projections below a magnitude threshold
 * are skipped, with their weights ({@link dev.ember.sparsity.teal.TealProjections}); composed with an FFN method
 * as {@code chess:P+attn:0.5}.
 */
package dev.ember.sparsity.teal;
