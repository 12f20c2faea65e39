/**
 * Hugging Face chat templates as {@link dev.finetune4j.tokenizer.ChatTemplate}s: transformers'
 * {@code apply_chat_template} context and whitespace settings on top of the project's own Jinja interpreter
 * ({@code dev.finetune4j.tokenizer.jinja}).
 */
package dev.finetune4j.tokenizer.template;
