package dev.finetune4j.tokenizer;

/**
 * One entry of {@code added_tokens_decoder} in tokenizer_config.json (the fields of an {@code added_tokens} entry of
 * tokenizer.json).
 *
 * @param id         token id
 * @param content    token text
 * @param special    whether decode with skip-special-tokens drops it
 * @param lstrip     whether it swallows whitespace on its left
 * @param rstrip     whether it swallows whitespace on its right
 * @param normalized whether it is matched against normalised text
 * @param singleWord whether it only matches as a whole word
 */
public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip,
        boolean normalized, boolean singleWord) {
}
