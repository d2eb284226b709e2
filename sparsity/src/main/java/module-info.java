/** Sparse feed-forward for Ember: activation statistics, calibration, predictors, profiles. */
module dev.ember.sparsity {
    requires dev.ember.runtime;
}
