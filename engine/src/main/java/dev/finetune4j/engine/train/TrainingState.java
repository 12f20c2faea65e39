package dev.finetune4j.engine.train;

import dev.finetune4j.checkpoint.composer.Timestamp;
import dev.finetune4j.data.LoaderState;

/**
 * Where a run stands between optimizer steps, besides model, optimizer and schedule: the Composer timestamp, the
 * data loader position and the early-stopping record. Saved in checkpoints so a resumed run continues exactly.
 */
record TrainingState(Timestamp timestamp, LoaderState loader, double bestValLoss, int evalsWithoutImprovement) {
}
