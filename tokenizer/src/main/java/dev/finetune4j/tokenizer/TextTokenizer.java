package dev.finetune4j.tokenizer;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A model's tokenizer as the data pipeline and the engine see it: text ↔ token ids, the special token ids from
 * the model's tokenizer folder, and its chat template if it has one. {@code HfTokenizer} implements it for real
 * Hugging Face tokenizer folders; tests may implement it with a toy vocabulary.
 */
public interface TextTokenizer {

    /** Encodes text; with {@code addSpecialTokens} the tokenizer's post-processor adds BOS/EOS as configured. */
    int[] encode(String text, boolean addSpecialTokens);

    /** Encodes many texts on {@code threads} threads; the result is in input order. */
    default List<int[]> encodeBatch(List<String> texts, boolean addSpecialTokens, int threads) {
        return texts.stream().map(t -> encode(t, addSpecialTokens)).toList();
    }

    String decode(int[] ids, boolean skipSpecialTokens);

    /** The id of a token string, or empty when the vocabulary has no such token. */
    OptionalInt tokenToId(String token);

    /** The token string of an id. */
    String idToToken(int id);

    /** Vocabulary size including added tokens. */
    int vocabSize();

    OptionalInt bosTokenId();

    /** The EOS id of tokenizer_config.json (generation may add more stop ids from generation_config.json). */
    OptionalInt eosTokenId();

    OptionalInt padTokenId();

    /** BOS text ("<s>", "<|begin_of_text|>") or empty. */
    Optional<String> bosToken();

    /** EOS text or empty. */
    Optional<String> eosToken();

    /** The model's default chat template, if the folder has one. */
    Optional<ChatTemplate> chatTemplate();
}
