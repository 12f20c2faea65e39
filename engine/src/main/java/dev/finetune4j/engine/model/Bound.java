package dev.finetune4j.engine.model;

import ai.djl.ndarray.NDArray;
import dev.finetune4j.engine.model.arch.ParameterEntry;

/**
 * A registry entry bound to where its value lives: a {@link Slot} (embedding, norms) or the {@link Projection} whose
 * weight or bias it is ({@link ParameterEntry#bias()} says which).
 */
record Bound(ParameterEntry entry, Slot slot, Projection projection) {

    /** The master array (null for an int8 weight: see {@link Projection#baseWeight}). */
    NDArray array() {
        if (slot != null) {
            return slot.get();
        }
        return entry.bias() ? projection.bias : projection.weight;
    }
}
