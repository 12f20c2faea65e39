package dev.finetune4j.engine.train;

import java.util.Map;

/** Receives what a training run reports. Called on the training thread; keep it quick. */
public interface TrainingListener {

    /** A lifecycle event: created, data_validated, training_started, checkpoint_saved, eval, completed, failed. */
    default void onEvent(String type, Map<String, Object> fields) {
    }

    /** Scalars of one optimizer step or evaluation (loss, lr, tokens_per_s, grad_norm, val_loss …). */
    default void onMetrics(long batch, Map<String, Double> metrics) {
    }
}
