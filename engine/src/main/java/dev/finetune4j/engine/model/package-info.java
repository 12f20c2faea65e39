/**
 * The decoder-only causal language model with Hugging Face semantics for every family of
 * {@link dev.finetune4j.engine.model.arch.ModelFamilies} (docs/models.md): config parsing, RoPE variants, the decoder
 * built from the family's spec and parameter registry (attention, feed-forward blocks, norms), packed-batch forward
 * with document-blocked attention, fp32 or bf16 compute over fp32 master weights, and state dicts under HF names.
 */
package dev.finetune4j.engine.model;
