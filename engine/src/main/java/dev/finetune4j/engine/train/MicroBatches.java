package dev.finetune4j.engine.train;

import dev.finetune4j.data.Batch;
import java.util.ArrayList;
import java.util.Arrays;
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
        int s = global.seqLen();
        for (int r0 = 0; r0 < global.rows(); r0 += microBatchSize) {
            int n = Math.min(microBatchSize, global.rows() - r0);
            int from = r0 * s;
            int to = (r0 + n) * s;
            int[] ids = Arrays.copyOfRange(global.inputIds(), from, to);
            int[] labels = Arrays.copyOfRange(global.labels(), from, to);
            int[] pos = Arrays.copyOfRange(global.positionIds(), from, to);
            int[][] cu = Arrays.copyOfRange(global.cuSeqlens(), r0, r0 + n);
            long tokens = 0;
            long lossTokens = 0;
            for (int r = 0; r < n; r++) {
                tokens += cu[r][cu[r].length - 1];
                for (int t = 1; t < s; t++) {
                    if (labels[r * s + t] != Batch.IGNORE_INDEX) {
                        lossTokens++;
                    }
                }
            }
            out.add(new Batch(n, s, ids, labels, pos, cu, tokens, lossTokens));
        }
        return out;
    }
}
