package dev.finetune4j.engine.event;

import java.util.Locale;

/** The kinds of lifecycle events in {@code events.jsonl}. */
public enum EventType {
    /** The run folder and configuration exist. */
    CREATED,
    /** Training (and eval) data passed validation; fields carry counts. */
    DATA_VALIDATED,
    /** The first step is about to run. */
    TRAINING_STARTED,
    /** A checkpoint or model folder was written; fields carry its path. */
    CHECKPOINT_SAVED,
    /** An evaluation finished; fields carry its metrics. */
    EVAL,
    /** Training finished normally. */
    COMPLETED,
    /** Training stopped with an error; fields carry the reason. */
    FAILED;

    /** The name written to JSON, e.g. {@code checkpoint_saved}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
