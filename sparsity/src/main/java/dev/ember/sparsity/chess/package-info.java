/**
 * CHESS (CATS as its per-layer case): per-channel thresholds on |act(gate)|, calibrated from the activations'
 * distribution to a target sparsity ({@link dev.ember.sparsity.chess.ChessThresholds}), and the selector that
 * applies them at run time.
 */
package dev.ember.sparsity.chess;
