/**
 * Low-rank neuron predictors for sparse feed-forward layers (Deja Vu, PowerInfer): per layer, a small
 * {@code ReLU(x·A)·B + bias} network guesses from the FFN input which neurons will be active, so only those
 * run. {@link dev.ember.sparsity.predictor.LowRankPredictor} scores a token without allocating;
 * {@link dev.ember.sparsity.predictor.PredictorTrainer} fits one to calibration activations with a
 * class-balanced loss and picks the score threshold that meets a recall target on the scores a session serves
 * ({@link dev.ember.sparsity.predictor.ServedPredictor}); {@link dev.ember.sparsity.predictor.PredictorSelector}
 * applies them at run time.
 */
package dev.ember.sparsity.predictor;
