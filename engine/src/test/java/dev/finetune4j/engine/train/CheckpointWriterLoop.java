package dev.finetune4j.engine.train;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.checkpoint.composer.Timestamp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The child process of {@link CheckpointKillTest}: writes Composer checkpoints for batch {@code start, start+1, …}
 * into a folder forever (keeping the newest 3), every tensor filled with the batch number so a reader can check a
 * file is complete and belongs to its name. Prints {@code saved <batch>} after each one.
 */
public final class CheckpointWriterLoop {
    static final int TENSORS = 4;
    static final int FLOATS = 1 << 20; // 4 MiB per tensor, 16 MiB per file: a kill often lands mid-write

    private CheckpointWriterLoop() {
    }

    public static void main(String[] args) {
        Path folder = Path.of(args[0]);
        long batch = Long.parseLong(args[1]);
        float[] values = new float[FLOATS];
        while (true) {
            Arrays.fill(values, batch);
            LinkedHashMap<String, StoredTensor> model = new LinkedHashMap<>();
            for (int i = 0; i < TENSORS; i++) {
                model.put("model.layers." + i + ".mlp.up_proj.weight",
                        StoredTensor.ofFloats(new long[] {FLOATS / 1024, 1024}, values));
            }
            Timestamp ts = Timestamp.ZERO;
            for (long b = 0; b < batch; b++) {
                ts = ts.toNextBatch(1, 10, Duration.ofMillis(1));
            }
            ComposerCheckpoint cp = new ComposerCheckpoint(model, null, null, ts, 17L, "kill-test", List.of(),
                    Map.of(), Map.of(), Map.of());
            ComposerCheckpoints.save(folder, cp, 3);
            System.out.println("saved " + batch);
            System.out.flush();
            batch++;
        }
    }
}
