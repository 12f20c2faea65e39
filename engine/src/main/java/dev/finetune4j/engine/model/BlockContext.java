package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.finetune4j.engine.kernel.KernelLibrary;

/**
 * What every block of one model shares: its config, kernels, manager, compute precision, the empty bias and the
 * dropout settings.
 *
 * @param bf16      bf16 matmuls/attention (precision bf16 or bf16 masters)
 * @param emptyBias the 0-element array kernels take for "no bias"
 */
record BlockContext(ModelConfig config, KernelLibrary kernels, NDManager manager, boolean bf16, NDArray emptyBias,
                    DropoutOptions dropout) {
}
