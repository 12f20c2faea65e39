package dev.finetune4j.config;

/**
 * Stop when the eval loss stops improving ({@code early_stopping:} block); needs evaluation data.
 *
 * @param patience evaluations without improvement before stopping, default 3
 * @param minDelta smallest decrease of the eval loss that counts as improvement, default 0
 */
public record EarlyStoppingConfig(int patience, double minDelta) {
}
