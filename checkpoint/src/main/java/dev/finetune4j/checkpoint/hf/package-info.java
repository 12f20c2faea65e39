/**
 * Hugging Face model folders: {@code config.json} (transformers v4 and v5 spellings), weights as single or sharded
 * safetensors or {@code pytorch_model*.bin}, tokenizer files and {@code generation_config.json}; read
 * ({@link dev.finetune4j.checkpoint.hf.HfModelFolder}) and written atomically
 * ({@link dev.finetune4j.checkpoint.hf.HfModelWriter}) as llm-foundry's HuggingFaceCheckpointer does (docs/formats.md §4).
 */
package dev.finetune4j.checkpoint.hf;
