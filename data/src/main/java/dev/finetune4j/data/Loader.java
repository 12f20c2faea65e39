package dev.finetune4j.data;

import java.util.NoSuchElementException;

/**
 * Hands out the micro-batches of one epoch at a time, in a seeded shuffled row order that differs per epoch.
 * {@link #state()} is two integers; {@link #restore(LoaderState)} jumps there in O(1) (the order is a
 * point-wise {@link RowPermutation}, nothing is replayed). After the last batch of an epoch {@link #hasNext()} is
 * false until {@link #nextEpoch()}.
 */
public final class Loader {

    private final PackedDataset dataset;
    private final int microBatchSize;
    private final long seed;
    private final boolean shuffle;
    private int epoch;
    private long position;
    private RowPermutation order;

    Loader(PackedDataset dataset, int microBatchSize, long seed, boolean shuffle) {
        this.dataset = dataset;
        this.microBatchSize = microBatchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        startEpoch(0, 0);
    }

    /** Whether the current epoch has another micro-batch. */
    public boolean hasNext() {
        return position < dataset.rows();
    }

    /** The next micro-batch of the current epoch. */
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is exhausted; call nextEpoch()");
        }
        int n = (int) Math.min(microBatchSize, dataset.rows() - position);
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            int p = (int) position + i;
            rows[i] = shuffle ? order.apply(p) : p;
        }
        position += n;
        return dataset.batch(rows);
    }

    /** Moves to the start of the next epoch (its own shuffled order). */
    public void nextEpoch() {
        startEpoch(epoch + 1, 0);
    }

    /** The current epoch (0-based). */
    public int epoch() {
        return epoch;
    }

    /** Rows per micro-batch. */
    public int microBatchSize() {
        return microBatchSize;
    }

    /** Micro-batches per epoch. */
    public int batchesPerEpoch() {
        return dataset.batchesPerEpoch(microBatchSize);
    }

    /** Micro-batches per epoch for another micro-batch size. */
    public int batchesPerEpoch(int microBatchSize) {
        return dataset.batchesPerEpoch(microBatchSize);
    }

    /** Where the loader is now. */
    public LoaderState state() {
        return new LoaderState(epoch, position);
    }

    /** Continues exactly where {@code state} was taken (same dataset and seed), in O(1). */
    public void restore(LoaderState state) {
        if (state.position() > dataset.rows()) {
            throw new IllegalArgumentException("loader state position " + state.position() + " exceeds the "
                    + dataset.rows() + " rows of this dataset; was it saved for other data?");
        }
        startEpoch(state.epoch(), state.position());
    }

    private void startEpoch(int e, long pos) {
        epoch = e;
        position = pos;
        order = RowPermutation.forEpoch(dataset.rows(), seed, e);
    }
}
