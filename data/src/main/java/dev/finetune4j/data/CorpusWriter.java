package dev.finetune4j.data;

import java.io.IOException;

/** Collects encoded examples (already truncated) into a {@link TokenCorpus}. */
public interface CorpusWriter {

    /**
     * Appends an example; {@code labels[t]} is {@code ids[t]} or -100, the first label is stored as -100.
     *
     * @return its index
     */
    int add(int[] ids, int[] labels) throws IOException;

    /** Finishes writing and returns the readable corpus. */
    TokenCorpus finish() throws IOException;
}
