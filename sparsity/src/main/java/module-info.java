/** Sparse feed-forward for Ember: activation statistics, calibration, predictors, profiles. */
module dev.ember.sparsity {
    requires dev.ember.runtime;

    exports dev.ember.sparsity;
    exports dev.ember.sparsity.calibrate;
    exports dev.ember.sparsity.chess;
    exports dev.ember.sparsity.coreinfer;
    exports dev.ember.sparsity.relu;
    exports dev.ember.sparsity.teal;
    exports dev.ember.sparsity.predictor;
    exports dev.ember.sparsity.profile;

    provides dev.ember.model.SparsityProvider with dev.ember.sparsity.SparseMethods;
}
