/**
 * Sparse activation: feed-forward strategies that skip the neurons a token leaves idle, behind the runtime's
 * {@link dev.ember.model.SparsityProvider} seam ({@link dev.ember.sparsity.SparseMethods}): ReLU exact, CHESS
 * channel thresholds, CoreInfer core neurons, trained low-rank predictors, and a synthetic stand-in for speed
 * measurements. Each method's package holds its selector and its calibration ({@code relu}, {@code chess},
 * {@code predictor}, {@code coreinfer}); this one holds what they share:
 * {@link dev.ember.sparsity.SparseFeedForward} runs the chosen neurons with {@code matvecRows}
 * and {@code accumulateRows} over a {@link dev.ember.sparsity.NeuronMajor neuron-major} copy of W_down.
 */
package dev.ember.sparsity;
