/**
 * PEFT LoRA adapters (docs/formats.md §5): {@code adapter_config.json} as PEFT serialises a LoraConfig (unknown
 * keys ignored on read, kept for round trips) and {@code adapter_model.safetensors} with PEFT's saved key names
 * ({@code base_model.model.<module>.lora_A.weight}, adapter name dropped).
 */
package dev.finetune4j.checkpoint.peft;
