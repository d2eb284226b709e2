/**
 * Offline calibration, the driver every method shares: {@link dev.ember.sparsity.calibrate.ActivationRecorder}
 * records a model's FFN inputs and activations on a text, {@link dev.ember.sparsity.calibrate.Calibrator} fits a
 * method's parameters from them (CHESS thresholds from {@code chess}, predictors from {@code predictor}) with an
 * optional perplexity budget and writes the profile, and {@link dev.ember.sparsity.calibrate.NeuronFrequency}
 * says how often each neuron runs.
 */
package dev.ember.sparsity.calibrate;
