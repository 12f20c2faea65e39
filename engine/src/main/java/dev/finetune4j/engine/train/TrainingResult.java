package dev.finetune4j.engine.train;

import java.nio.file.Path;

/**
 * How a run ended.
 *
 * @param batches        optimizer steps done in total
 * @param epochs         completed epochs
 * @param tokens         tokens trained on
 * @param lastLoss       training loss of the last step
 * @param lastValLoss    the last validation loss (null without eval data)
 * @param lastCheckpoint the newest Composer checkpoint
 * @param export         the Hugging Face folder or PEFT adapter written at the end (null if none)
 * @param stopReason     duration | early_stopping | stopped | already_complete (a resumed run whose checkpoint is
 *                       at the end of training_duration: nothing was trained, lastLoss is NaN)
 */
public record TrainingResult(long batches, long epochs, long tokens, double lastLoss, Double lastValLoss,
                             Path lastCheckpoint, Path export, String stopReason) {
    /** The stop reason of a resumed run that had nothing left to train. */
    public static final String ALREADY_COMPLETE = "already_complete";
}
