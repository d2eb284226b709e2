/**
 * Offline and prompt-time calibration of sparse feed-forward strategies: CHESS per-channel
 * activation thresholds ({@link dev.ember.sparsity.calibrate.ChessThresholds}) and CoreInfer
 * sentence-level core neurons ({@link dev.ember.sparsity.calibrate.CoreNeurons}). Everything here is
 * plain arithmetic over float arrays, with no model or file access, so it can be tested by hand.
 */
package dev.ember.sparsity.calibrate;
