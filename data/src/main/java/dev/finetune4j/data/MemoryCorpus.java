package dev.finetune4j.data;

import java.util.Arrays;

/** A {@link TokenCorpus} growing in heap arrays: ids as ints, the trained flag as one byte per token. */
public final class MemoryCorpus implements TokenCorpus, CorpusWriter {

    private int[] ids = new int[1 << 12];
    private byte[] trained = new byte[1 << 12];
    private long[] start = new long[1 << 8];
    private int[] loss = new int[1 << 8];
    private int size;
    private int used;

    /**
     * Appends an example. {@code labels[t]} must be {@code ids[t]} or -100; the first label is stored as -100.
     *
     * @return the example's index
     */
    @Override
    public int add(int[] exampleIds, int[] labels) {
        int len = exampleIds.length;
        if (labels.length != len || len == 0) {
            throw new IllegalArgumentException("an example needs equally long, non-empty ids and labels");
        }
        if ((long) used + len > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("more than 2^31 tokens do not fit in memory; set a cache_dir to memory-map them");
        }
        ensure(used + len);
        System.arraycopy(exampleIds, 0, ids, used, len);
        int count = 0;
        for (int t = 0; t < len; t++) {
            boolean on = t > 0 && labels[t] != Batch.IGNORE_INDEX;
            if (on && labels[t] != exampleIds[t]) {
                throw new IllegalArgumentException("label " + labels[t] + " at " + t + " is neither -100 nor the token " + exampleIds[t]);
            }
            trained[used + t] = (byte) (on ? 1 : 0);
            count += on ? 1 : 0;
        }
        if (size + 2 > start.length) {
            start = Arrays.copyOf(start, start.length * 2);
            loss = Arrays.copyOf(loss, loss.length * 2);
        }
        start[size] = used;
        loss[size] = count;
        used += len;
        start[size + 1] = used;
        return size++;
    }

    private void ensure(int capacity) {
        if (capacity > ids.length) {
            int n = (int) Math.min(Integer.MAX_VALUE - 8L, Math.max(capacity, ids.length * 2L));
            ids = Arrays.copyOf(ids, n);
            trained = Arrays.copyOf(trained, n);
        }
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int length(int example) {
        return (int) (start[example + 1] - start[example]);
    }

    @Override
    public void readIds(int example, int[] dst, int off) {
        System.arraycopy(ids, (int) start[example], dst, off, length(example));
    }

    @Override
    public void readLabels(int example, int[] dst, int off) {
        int s = (int) start[example];
        int len = length(example);
        for (int t = 0; t < len; t++) {
            dst[off + t] = trained[s + t] != 0 ? ids[s + t] : Batch.IGNORE_INDEX;
        }
    }

    @Override
    public int lossTokens(int example) {
        return loss[example];
    }

    @Override
    public TokenCorpus finish() {
        return this;
    }

    /** Tokens stored. */
    public long totalTokens() {
        return used;
    }
}
