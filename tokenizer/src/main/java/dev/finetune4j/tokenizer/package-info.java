/**
 * A model's tokenizer folder (tokenizer.json through DJL's Hugging Face tokenizers, tokenizer_config.json, special
 * tokens) and its chat template, rendered by the project's own Jinja interpreter with transformers' semantics.
 */
package dev.finetune4j.tokenizer;
