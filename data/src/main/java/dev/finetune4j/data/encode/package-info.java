/**
 * Turning parsed examples into token ids and labels: chat turns sliced with the model's chat template
 * (docs/training.md §4), prompt/response pairs with the tokenizer's own special tokens, and continued-pretraining
 * text concatenated with EOS and cut into context-length windows. Labels are -100 wherever nothing is trained.
 */
package dev.finetune4j.data.encode;
