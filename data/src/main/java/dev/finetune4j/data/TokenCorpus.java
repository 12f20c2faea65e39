package dev.finetune4j.data;

/**
 * Encoded examples: token ids and, per token, whether its label is trained. Labels are the ids where trained and
 * {@link Batch#IGNORE_INDEX} elsewhere (every policy of docs/training.md §4.3 keeps or masks a token's own id), and the first token of
 * every example is never trained (it would be predicted from the previous packed document).
 */
public interface TokenCorpus {

    /** Number of examples. */
    int size();

    /** Tokens of one example (already right-truncated to the context length). */
    int length(int example);

    /** Copies the ids of an example into {@code dst[off …]}. */
    void readIds(int example, int[] dst, int off);

    /** Copies the labels of an example (ids or -100) into {@code dst[off …]}. */
    void readLabels(int example, int[] dst, int off);

    /** Trained labels of one example. */
    int lossTokens(int example);
}
