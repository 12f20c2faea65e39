/**
 * Lists the tensors of any checkpoint this module reads (torch .pt/.bin, safetensors, sharded index, HF model
 * folder, PEFT adapter folder, sharded .distcp folder) with a content hash, for the {@code inspect} command.
 */
package dev.finetune4j.checkpoint.inspect;
