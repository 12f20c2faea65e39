package dev.finetune4j.engine.event;

/**
 * Receives a run's lifecycle events and per-step metrics. Both methods default to doing nothing; they are called
 * on the training thread, so implementations should return quickly.
 */
public interface RunListener {

    /** A lifecycle event (created, data_validated, training_started, checkpoint_saved, eval, completed, failed). */
    default void onEvent(RunEvent event) {
    }

    /** Metrics of one optimizer step or evaluation. */
    default void onMetrics(Metrics metrics) {
    }
}
