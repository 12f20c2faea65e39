/**
 * Device selection for a run ({@code auto|cpu|cuda|cuda:N}): every tensor of a run lives on the resolved device. CUDA
 * needs CUDA libtorch to be the one loaded, i.e. the CPU natives jar kept off the classpath on GPU hosts.
 */
package dev.finetune4j.engine.device;
