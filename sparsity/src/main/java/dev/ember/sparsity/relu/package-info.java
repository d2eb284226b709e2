/** ReLU exact: on ReLU models, skip the neurons whose gate activation is exactly zero (lossless). */
package dev.ember.sparsity.relu;
