package dev.finetune4j.engine.train;

import java.util.Locale;

/**
 * What the run keeps of its Composer checkpoints besides keep-newest-N (docs/training.md "Checkpoints"): the best
 * {@code k} by a monitored metric ({@code save_top_k}), and whether checkpoints hold the model only
 * ({@code save_weights_only}, Composer's {@code {'state': {model, integrations, metadata}}}).
 *
 * @param topK        keep the k best checkpoints by a metric, or null to keep by age only
 * @param weightsOnly write model weights only: no optimizer, scheduler, timestamp or resume data
 */
public record CheckpointPolicy(TopK topK, boolean weightsOnly) {
    /** Every checkpoint is a full one; retention by save_num_checkpoints_to_keep only. */
    public static final CheckpointPolicy DEFAULT = new CheckpointPolicy(null, false);

    /**
     * Keep the {@code k} best checkpoints by {@code monitor}; the newest checkpoint is kept as well (autoresume
     * continues from it) whatever its score.
     *
     * @param k       at least 1
     * @param monitor {@code val_loss} (the latest evaluation at or before the save) or {@code loss} (the training
     *                loss of the step just taken)
     * @param minimize true for {@code mode: min} (lower is better), false for {@code mode: max}
     */
    public record TopK(int k, String monitor, boolean minimize) {
        /** The metrics a checkpoint can be ranked by. */
        public static final java.util.List<String> MONITORS = java.util.List.of("val_loss", "loss");

        public TopK {
            if (k < 1) {
                throw new IllegalArgumentException("save_top_k must be >= 1, got " + k);
            }
            monitor = monitor.toLowerCase(Locale.ROOT);
            if (!MONITORS.contains(monitor)) {
                throw new IllegalArgumentException("save_top_k monitor '" + monitor + "' is not supported; allowed: "
                        + String.join(", ", MONITORS));
            }
        }

        /** Whether {@code a} ranks better than {@code b}; an unmeasured (NaN) value ranks last. */
        boolean better(double a, double b) {
            if (Double.isNaN(b)) {
                return !Double.isNaN(a);
            }
            if (Double.isNaN(a)) {
                return false;
            }
            return minimize ? a < b : a > b;
        }
    }
}
