/**
 * Native (C, through FFM downcalls) implementations of Ember's kernel SPI. The package is named
 * {@code ffm} because {@code native} is a Java keyword. Empty until the kernel SPI exists.
 */
package dev.ember.kernels.ffm;
