package dev.finetune4j.app;

import java.nio.file.Path;

/**
 * The outcome of a finished run.
 *
 * @param runDir         the run folder
 * @param batches        optimizer steps done
 * @param tokens         tokens trained on
 * @param trainLoss      loss of the last step
 * @param valLoss        the last validation loss, or null without eval data
 * @param lastCheckpoint the newest Composer checkpoint
 * @param export         the final Hugging Face folder or PEFT adapter
 * @param registered     the registry version folder, or null
 * @param stopReason     duration | early_stopping | stopped
 */
public record RunResult(Path runDir, long batches, long tokens, double trainLoss, Double valLoss, Path lastCheckpoint,
                        Path export, Path registered, String stopReason) {
}
