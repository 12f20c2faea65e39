package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;

/** Where a plain parameter's array lives (embedding, norms): set once when loaded, then updated in place. */
final class Slot {

    private NDArray array;

    NDArray get() {
        return array;
    }

    void set(NDArray array) {
        this.array = array;
    }
}
