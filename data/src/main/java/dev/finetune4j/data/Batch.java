package dev.finetune4j.data;

/**
 * One micro-batch of packed (or padded) rows, ready for the model. Arrays are row-major {@code [rows, seqLen]}.
 *
 * <ul>
 *   <li>{@code inputIds}: token ids, {@code padId} where a row is padding;</li>
 *   <li>{@code labels}: the target for position t is {@code labels[t]} — already aligned as HF does before its
 *       internal shift, i.e. the model shifts: loss at t compares logits[t] with labels[t+1]; -100 = not trained
 *       (prompt tokens, padding, the first token of each packed document);</li>
 *   <li>{@code positionIds}: restart at 0 for each document of a packed row;</li>
 *   <li>{@code cuSeqlens[r]}: cumulative document lengths of row r, starting at 0 and ending at the row's used
 *       length (padding after that belongs to no document), so attention is block-diagonal per document;</li>
 *   <li>{@code tokens}: non-pad tokens (Composer's token count); {@code lossTokens}: labels that are trained
 *       (after the shift), used to weight micro-batches into an exact token mean of the global batch.</li>
 * </ul>
 */
public record Batch(int rows, int seqLen, int[] inputIds, int[] labels, int[] positionIds, int[][] cuSeqlens,
                    long tokens, long lossTokens) {

    public static final int IGNORE_INDEX = -100;

    public Batch {
        if (inputIds.length != rows * seqLen || labels.length != rows * seqLen || positionIds.length != rows * seqLen) {
            throw new IllegalArgumentException("batch arrays must be rows*seqLen = " + rows * seqLen);
        }
        if (cuSeqlens.length != rows) {
            throw new IllegalArgumentException("cuSeqlens needs one entry per row");
        }
    }

    /** Labels trained after the shift: positions t ≥ 1 of each row whose label is not {@link #IGNORE_INDEX}. */
    public static long countLossTokens(int rows, int seqLen, int[] labels) {
        long n = 0;
        for (int r = 0; r < rows; r++) {
            for (int t = r * seqLen + 1, end = (r + 1) * seqLen; t < end; t++) {
                if (labels[t] != IGNORE_INDEX) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Rows {@code [from, from + count)} as a batch of their own, with their token and loss-token counts. */
    public Batch slice(int from, int count) {
        if (from < 0 || count < 1 || from + count > rows) {
            throw new IllegalArgumentException("rows [" + from + ", " + (from + count) + ") are outside the "
                    + rows + " rows of this batch");
        }
        int a = from * seqLen;
        int b = (from + count) * seqLen;
        int[] l = java.util.Arrays.copyOfRange(labels, a, b);
        int[][] cu = java.util.Arrays.copyOfRange(cuSeqlens, from, from + count);
        long used = 0;
        for (int[] c : cu) {
            used += c[c.length - 1];
        }
        return new Batch(count, seqLen, java.util.Arrays.copyOfRange(inputIds, a, b), l,
                java.util.Arrays.copyOfRange(positionIds, a, b), cu, used, countLossTokens(count, seqLen, l));
    }
}
