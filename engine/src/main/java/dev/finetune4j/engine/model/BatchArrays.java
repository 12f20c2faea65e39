package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.finetune4j.data.Batch;

/** A batch's input ids and labels as {@code [rows, seq]} int64 device arrays, checked against the vocabulary. */
record BatchArrays(NDArray ids, NDArray labels) {

    /** Refuses ids and labels outside {@code [0, vocab)} (labels may be -100) before they reach a kernel. */
    static BatchArrays of(Batch batch, NDManager manager, int vocab) {
        checkIds(batch.inputIds(), batch.seqLen(), "input id", false, vocab);
        checkIds(batch.labels(), batch.seqLen(), "label", true, vocab);
        Shape shape = new Shape(batch.rows(), batch.seqLen());
        return new BatchArrays(manager.create(toLongs(batch.inputIds()), shape),
                manager.create(toLongs(batch.labels()), shape));
    }

    /** Rejects ids outside the vocabulary (a kernel's error would name no position). */
    static void checkIds(int[] ids, int seq, String what, boolean allowIgnore, int vocab) {
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if ((id < 0 || id >= vocab) && !(allowIgnore && id == Batch.IGNORE_INDEX)) {
                throw new IllegalArgumentException(what + " " + id + " at row " + i / seq + ", position " + i % seq
                        + " is outside the model's vocabulary [0, " + vocab + ")"
                        + (allowIgnore ? " and is not the ignore index -100" : ""));
            }
        }
    }

    static long[] toLongs(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
