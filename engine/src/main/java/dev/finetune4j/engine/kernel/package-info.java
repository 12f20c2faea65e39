/**
 * The kernel library: TorchScript source kept as a resource, written by Java into a TorchScript archive, loaded once
 * per device through DJL and called by method name with autograd. It supplies the primitives DJL lacks (fused
 * attention, cross-entropy with ignore_index, gradient-keeping casts, RMSNorm, foreach optimizer updates).
 */
package dev.finetune4j.engine.kernel;
