package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * Keys and values of past positions for incremental decoding, one pair per layer ({@code [1, kvHeads, len, hd]},
 * keys already rotated). Arrays are kept out of the caller's {@code NDScope}; {@link #close()} frees them.
 */
public final class KvCache implements AutoCloseable {

    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

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

    void advance(int n) {
        length += n;
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
