/**
 * Optimizers with decoupled weight decay (llm-foundry's DecoupledLionW, Composer's DecoupledAdamW) as in-place
 * foreach kernels, parameter groups with their own learning rates (LoRA+), and global-norm gradient clipping.
 */
package dev.finetune4j.engine.optim;
