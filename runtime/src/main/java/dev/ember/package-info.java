/**
 * Ember's public API: the top of the pipeline gguf -> tensor -> kernels -> model -> sampling ->
 * generate. For now it holds {@link dev.ember.EmberException}; {@code Model} and {@code Session}
 * arrive with the engine.
 */
package dev.ember;
