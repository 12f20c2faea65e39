package dev.finetune4j.tokenizer;

/**
 * How {@link HfTokenizer#load(java.nio.file.Path, TokenizerOptions)} reads a folder.
 *
 * @param followConfigBosEos for Llama/CodeLlama/Gemma tokenizer classes, rebuild the post-processor from
 *                           {@code add_bos_token}/{@code add_eos_token} of tokenizer_config.json as transformers'
 *                           {@code LlamaTokenizerFast.update_post_processor} does (default true)
 * @param cleanUpDecodedSpaces apply transformers' {@code clean_up_tokenization} in {@code decode} when the config's
 *                           {@code clean_up_tokenization_spaces} is true (default true)
 */
public record TokenizerOptions(boolean followConfigBosEos, boolean cleanUpDecodedSpaces) {

    /** transformers' behaviour. */
    public static final TokenizerOptions DEFAULTS = new TokenizerOptions(true, true);
}
