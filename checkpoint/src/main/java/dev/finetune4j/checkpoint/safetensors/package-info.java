/**
 * The safetensors format (docs/formats.md §2): a memory-mapped, validating reader, an atomic writer with the
 * reference layout, and sharded Hugging Face checkpoints ({@code model-0000i-of-0000N.safetensors} plus
 * {@code model.safetensors.index.json}).
 */
package dev.finetune4j.checkpoint.safetensors;
