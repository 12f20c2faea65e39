package dev.finetune4j.config;

import java.util.List;

/**
 * Keep only the best checkpoints by a metric ({@code save_top_k}, Lightning's ModelCheckpoint rule): a number
 * ({@code save_top_k: 2}, ranked by val_loss, lower is better) or a block {@code {k, monitor, mode}}. The newest
 * checkpoint is always kept as well, so autoresume continues from it.
 *
 * @param k       how many of the best checkpoints to keep (>= 1)
 * @param monitor {@code val_loss} (the latest evaluation at or before the save; needs evaluation data) or
 *                {@code loss} (the training loss of the step just taken)
 * @param mode    {@code min} (lower is better, default) or {@code max}
 */
public record SaveTopKConfig(int k, String monitor, String mode) {
    /** The metrics a checkpoint can be ranked by. */
    public static final List<String> MONITORS = List.of("val_loss", "loss");
    /** The ranking directions. */
    public static final List<String> MODES = List.of("min", "max");
}
