/**
 * Checkpoint formats as the Python ecosystem writes and reads them: safetensors, torch.save zip archives with
 * their pickle, Composer checkpoints, Hugging Face model folders and PEFT adapters. Pure Java, no DJL: tensors
 * travel as {@link dev.finetune4j.checkpoint.StoredTensor} values.
 */
package dev.finetune4j.checkpoint;
