/**
 * Sparsity profiles: the calibration results of a sparse feed-forward method stored as a GGUF
 * sidecar file beside the model ({@link dev.ember.sparsity.profile.SparsityProfile}), tied to the
 * model it was calibrated for by a cheap content hash ({@link dev.ember.sparsity.profile.ModelHash}).
 */
package dev.ember.sparsity.profile;
