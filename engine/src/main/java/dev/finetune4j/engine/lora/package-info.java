/**
 * LoRA adapters with PEFT semantics: which projections get adapters, rank, alpha, dropout, rsLoRA and PEFT's
 * initialisation. The adapters themselves live in the model's projections; this package holds their settings and
 * the PEFT naming of adapter tensors.
 */
package dev.finetune4j.engine.lora;
