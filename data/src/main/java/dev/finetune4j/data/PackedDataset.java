package dev.finetune4j.data;

import java.util.Arrays;

/**
 * A split after packing: rows of whole documents (each at most {@code contextLength} tokens), materialised into
 * {@link Batch}es on demand from the token corpus (in memory or memory-mapped from the cache).
 */
public final class PackedDataset {

    private final TokenCorpus corpus;
    private final PackPlan plan;
    private final int contextLength;
    private final int padId;
    private final boolean padToContextLength;
    private final int[] rowLength;
    private final long tokens;

    /**
     * @param corpus             the encoded examples
     * @param plan               which examples form each row
     * @param contextLength      the maximum row width
     * @param padId              id written into padding slots (labels there are -100)
     * @param padToContextLength batches are contextLength wide instead of their longest row rounded up to 8
     */
    public PackedDataset(TokenCorpus corpus, PackPlan plan, int contextLength, int padId, boolean padToContextLength) {
        this.corpus = corpus;
        this.plan = plan;
        this.contextLength = contextLength;
        this.padId = padId;
        this.padToContextLength = padToContextLength;
        this.rowLength = new int[plan.rows()];
        long total = 0;
        for (int r = 0; r < plan.rows(); r++) {
            int len = 0;
            for (int i = 0; i < plan.documents(r); i++) {
                len += corpus.length(plan.member(r, i));
            }
            if (len > contextLength) {
                throw new IllegalArgumentException("row " + r + " holds " + len + " tokens > context length " + contextLength);
            }
            rowLength[r] = len;
            total += len;
        }
        this.tokens = total;
    }

    /** Number of rows (one epoch). */
    public int rows() {
        return plan.rows();
    }

    /** The row width limit. */
    public int contextLength() {
        return contextLength;
    }

    /** The padding id. */
    public int padId() {
        return padId;
    }

    /** Real (non-pad) tokens in row r. */
    public int rowLength(int r) {
        return rowLength[r];
    }

    /** Real tokens in all rows (tokens per epoch). */
    public long tokens() {
        return tokens;
    }

    /** The packing plan (corpus indices per row). */
    public PackPlan plan() {
        return plan;
    }

    /** Share of {@code rows × contextLength} slots that are padding (0 when empty). */
    public double paddingFraction() {
        return rows() == 0 ? 0 : 1 - (double) tokens / ((double) rows() * contextLength);
    }

    /** Micro-batches in one epoch (the last one may have fewer rows). */
    public int batchesPerEpoch(int microBatchSize) {
        checkMicroBatch(microBatchSize);
        return (int) ((rows() + (long) microBatchSize - 1) / microBatchSize);
    }

    /** Row r without padding. */
    public PackedRow row(int r) {
        int len = rowLength[r];
        int docs = plan.documents(r);
        int[] ids = new int[len];
        int[] labels = new int[len];
        int[] pos = new int[len];
        int[] cu = new int[docs + 1];
        fillRow(r, ids, labels, pos, cu, 0);
        return new PackedRow(ids, labels, pos, cu);
    }

    /** A micro-batch of the given rows, padded to a common width. */
    public Batch batch(int[] rowIndices) {
        int longest = 0;
        for (int r : rowIndices) {
            longest = Math.max(longest, rowLength[r]);
        }
        int seqLen = padToContextLength ? contextLength : Math.min(contextLength, Math.max(8, (longest + 7) / 8 * 8));
        int n = rowIndices.length;
        int[] ids = new int[n * seqLen];
        int[] labels = new int[n * seqLen];
        int[] pos = new int[n * seqLen];
        int[][] cu = new int[n][];
        Arrays.fill(ids, padId);
        Arrays.fill(labels, Batch.IGNORE_INDEX);
        long tokenCount = 0;
        long loss = 0;
        for (int b = 0; b < n; b++) {
            int r = rowIndices[b];
            cu[b] = new int[plan.documents(r) + 1];
            fillRow(r, ids, labels, pos, cu[b], b * seqLen);
            tokenCount += rowLength[r];
            for (int t = b * seqLen, end = t + rowLength[r]; t < end; t++) {
                if (labels[t] != Batch.IGNORE_INDEX) {
                    loss++;
                }
            }
        }
        return new Batch(n, seqLen, ids, labels, pos, cu, tokenCount, loss);
    }

    /** A loader over this split: seeded shuffle per epoch, {@code microBatchSize} rows per batch. */
    public Loader loader(int microBatchSize, long seed) {
        checkMicroBatch(microBatchSize);
        return new Loader(this, microBatchSize, seed, true);
    }

    /** A loader in row order, for evaluation. */
    public Loader sequentialLoader(int microBatchSize) {
        checkMicroBatch(microBatchSize);
        return new Loader(this, microBatchSize, 0, false);
    }

    private void fillRow(int r, int[] ids, int[] labels, int[] pos, int[] cu, int base) {
        int at = base;
        for (int i = 0; i < plan.documents(r); i++) {
            int ex = plan.member(r, i);
            int len = corpus.length(ex);
            corpus.readIds(ex, ids, at);
            corpus.readLabels(ex, labels, at);
            labels[at] = Batch.IGNORE_INDEX; // docs/training.md §5: a document's first token is never a target
            for (int t = 0; t < len; t++) {
                pos[at + t] = t; // positions restart per document
            }
            at += len;
            cu[i + 1] = at - base;
        }
    }

    private static void checkMicroBatch(int microBatchSize) {
        if (microBatchSize < 1) {
            throw new IllegalArgumentException("micro_batch_size must be >= 1, got " + microBatchSize);
        }
    }
}
