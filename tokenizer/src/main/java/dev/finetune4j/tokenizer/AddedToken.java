package dev.finetune4j.tokenizer;

/**
 * One entry of {@code added_tokens_decoder} in tokenizer_config.json (or {@code added_tokens} in tokenizer.json).
 *
 * @param id      token id
 * @param content token text
 * @param special whether decode with skip-special-tokens drops it
 */
public record AddedToken(int id, String content, boolean special) {
}
