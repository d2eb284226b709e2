/**
 * Sparse activation: strategies that skip the feed-forward neurons a token leaves idle (ReLU exact,
 * CHESS thresholds, CoreInfer core neurons, low-rank predictors). Empty until the sparsity issue.
 */
package dev.ember.sparsity;
