package dev.finetune4j.data;

/**
 * One packed row without padding: its tokens, labels (-100 where not trained, always on each document's first
 * token), positions restarting at 0 per document, and cumulative document lengths {@code [0, …, length]}.
 */
public record PackedRow(int[] inputIds, int[] labels, int[] positionIds, int[] cuSeqlens) {

    /** Tokens in the row. */
    public int length() {
        return inputIds.length;
    }

    /** Documents in the row. */
    public int documents() {
        return cuSeqlens.length - 1;
    }
}
