/**
 * The Llama-family causal language model (Llama 2/3/3.x, CodeLlama, Mistral, Qwen2) with Hugging Face semantics:
 * config parsing, RoPE variants, packed-batch forward with document-blocked attention, fp32 or bf16 compute over fp32
 * master weights, and state dicts under HF names.
 */
package dev.finetune4j.engine.model;
