package dev.finetune4j.engine.train;

import dev.finetune4j.checkpoint.composer.Timestamp;
import dev.finetune4j.data.LoaderState;
import java.util.List;

/**
 * Where a run stands between optimizer steps, besides model, optimizer and schedule: the Composer timestamp, the
 * data loader position, the early-stopping record and the save_top_k scores. Saved in checkpoints so a resumed run
 * continues exactly.
 */
record TrainingState(Timestamp timestamp, LoaderState loader, double bestValLoss, int evalsWithoutImprovement,
                     List<CheckpointRetention.Scored> scoredCheckpoints) {
    TrainingState {
        scoredCheckpoints = scoredCheckpoints == null ? List.of() : List.copyOf(scoredCheckpoints);
    }
}
