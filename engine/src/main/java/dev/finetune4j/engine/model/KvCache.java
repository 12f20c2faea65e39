package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * Keys and values of past positions for incremental decoding, one pair per layer ({@code [1, kvHeads, len, hd]},
 * keys already rotated), and the token ids they came from (so that a model whose RoPE frequencies change with the
 * sequence length, longrope, can recompute them; docs/models.md §10). Arrays are kept out of the caller's
 * {@code NDScope}; {@link #close()} frees them.
 */
public final class KvCache implements AutoCloseable {

    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;
    private int[] ids = new int[16];

    KvCache(int layers) {
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of cached positions. */
    public int length() {
        return length;
    }

    NDArray keys(int layer) {
        return keys[layer];
    }

    NDArray values(int layer) {
        return values[layer];
    }

    void update(int layer, NDArray k, NDArray v) {
        replace(keys, layer, k);
        replace(values, layer, v);
    }

    /** Records that {@code newIds} were appended after the cached positions. */
    void advance(int[] newIds) {
        if (length + newIds.length > ids.length) {
            ids = java.util.Arrays.copyOf(ids, Math.max(2 * ids.length, length + newIds.length));
        }
        System.arraycopy(newIds, 0, ids, length, newIds.length);
        length += newIds.length;
    }

    /** The token ids of the cached positions, in order. */
    int[] ids() {
        return java.util.Arrays.copyOf(ids, length);
    }

    private static void replace(NDArray[] slots, int i, NDArray next) {
        NDScope.unregister(next);
        NDArray old = slots[i];
        slots[i] = next;
        if (old != null && old != next) {
            old.close();
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].close();
                values[i].close();
                keys[i] = null;
                values[i] = null;
            }
        }
        length = 0;
    }
}
