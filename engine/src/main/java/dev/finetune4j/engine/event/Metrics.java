package dev.finetune4j.engine.event;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Named scalar metrics at one step, e.g. {@link #LOSS} {@code loss} and {@link #LR} {@code lr}; the constants
 * are the names the progress display reads. Names become TensorBoard tags as they are.
 *
 * @param step   the optimizer step (batch count)
 * @param time   when the values were measured
 * @param values metric name to value, in insertion order
 */
public record Metrics(long step, Instant time, Map<String, Double> values) {
    /** Training loss of the step (the names follow the engine's {@code TrainingListener}). */
    public static final String LOSS = "loss";
    /** Evaluation loss. */
    public static final String EVAL_LOSS = "val_loss";
    /** Learning rate of the first parameter group. */
    public static final String LR = "lr";
    /** Training throughput in non-padding tokens per second. */
    public static final String TOKENS_PER_SEC = "tokens_per_s";
    /** Fraction of the training duration done, 0..1 (for the ETA). */
    public static final String ELAPSED_FRACTION = "elapsed_fraction";
    /** Global gradient norm before clipping. */
    public static final String GRAD_NORM = "grad_norm";

    /** Copies the values; names must be non-blank. */
    public Metrics {
        Objects.requireNonNull(time, "time");
        for (String k : values.keySet()) {
            if (k == null || k.isBlank()) {
                throw new IllegalArgumentException("metric names must not be blank");
            }
        }
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Metrics measured now. */
    public static Metrics now(long step, Map<String, Double> values) {
        return new Metrics(step, Instant.now(), values);
    }

    /** The value of {@code name}, or NaN when absent. */
    public double get(String name) {
        Double v = values.get(name);
        return v == null ? Double.NaN : v;
    }
}
