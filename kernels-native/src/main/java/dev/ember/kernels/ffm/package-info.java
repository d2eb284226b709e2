/**
 * Native (C, through FFM downcalls) kernels: {@link dev.ember.kernels.ffm.NativeKernelProvider}. The C source
 * is {@code src/main/c/} ({@code ember_kernels.h} lists it); the package is named {@code ffm} because {@code native} is a Java
 * keyword.
 */
package dev.ember.kernels.ffm;
