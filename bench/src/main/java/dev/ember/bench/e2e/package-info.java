/**
 * The end-to-end harness behind {@code ember bench}: prefill and decode speed of a whole model, the read
 * bandwidth probe measured in the same run, bytes of weights per token, and the synthetic model cache.
 */
package dev.ember.bench.e2e;
