/**
 * Text generation with a KV cache: greedy decoding or sampling with Hugging Face's warper order (temperature, then
 * top-k, then top-p), stopping at any EOS id or after {@code max_new_tokens}.
 */
package dev.finetune4j.engine.generate;
