/**
 * The DJL/PyTorch engine: the TorchScript kernel library, the decoder model families, LoRA, optimizers, schedules,
 * the training loop and generation.
 */
package dev.finetune4j.engine;
