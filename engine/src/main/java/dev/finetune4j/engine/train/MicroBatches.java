package dev.finetune4j.engine.train;

import dev.finetune4j.data.Batch;
import java.util.ArrayList;
import java.util.List;

/** Splits a global batch into micro-batches of consecutive rows. */
final class MicroBatches {
    private MicroBatches() {
    }

    static List<Batch> split(Batch global, int microBatchSize) {
        if (global.rows() <= microBatchSize) {
            return List.of(global);
        }
        List<Batch> out = new ArrayList<>();
        for (int r0 = 0; r0 < global.rows(); r0 += microBatchSize) {
            out.add(global.slice(r0, Math.min(microBatchSize, global.rows() - r0)));
        }
        return out;
    }
}
