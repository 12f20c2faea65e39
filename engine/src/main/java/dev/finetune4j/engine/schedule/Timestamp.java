package dev.finetune4j.engine.schedule;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of training progress, Composer's {@code Timestamp} (docs/training.md §1.3).
 * Immutable: {@link #toNextBatch} and {@link #toNextEpoch} return new instances. Counts are totals over all ranks.
 *
 * @param iteration        iterations completed
 * @param epoch            epochs completed
 * @param batch            batches (optimizer steps) completed
 * @param sample           samples trained (packed rows when packing)
 * @param token            non-padding tokens trained
 * @param epochInIteration epochs in the current iteration
 * @param tokenInIteration tokens in the current iteration
 * @param batchInEpoch     batches in the current epoch
 * @param sampleInEpoch    samples in the current epoch
 * @param tokenInEpoch     tokens in the current epoch
 * @param totalWct         wall-clock time since the start of training
 * @param iterationWct     wall-clock time of the current iteration
 * @param epochWct         wall-clock time of the current epoch
 * @param batchWct         wall-clock time of the last batch
 */
public record Timestamp(long iteration, long epoch, long batch, long sample, long token,
                        long epochInIteration, long tokenInIteration,
                        long batchInEpoch, long sampleInEpoch, long tokenInEpoch,
                        Duration totalWct, Duration iterationWct, Duration epochWct, Duration batchWct) {

    /** The start of training: all counts 0, all durations zero. */
    public static final Timestamp ZERO = new Timestamp(0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    /** The state-dict keys in Composer's order. */
    public static final String[] STATE_KEYS = {"iteration", "epoch", "batch", "sample", "token",
        "epoch_in_iteration", "token_in_iteration", "batch_in_epoch", "sample_in_epoch", "token_in_epoch",
        "total_wct", "iteration_wct", "epoch_wct", "batch_wct"};

    /** Rejects null durations. */
    public Timestamp {
        Objects.requireNonNull(totalWct, "totalWct");
        Objects.requireNonNull(iterationWct, "iterationWct");
        Objects.requireNonNull(epochWct, "epochWct");
        Objects.requireNonNull(batchWct, "batchWct");
    }

    /**
     * Advances by one batch: {@code batch}, {@code batch_in_epoch} +1; samples and tokens added to their totals,
     * per-epoch and (tokens) per-iteration counters; {@code duration} added to total/iteration/epoch wall-clock
     * and stored as {@code batch_wct}.
     */
    public Timestamp toNextBatch(long samples, long tokens, Duration duration) {
        Duration d = duration == null ? Duration.ZERO : duration;
        return new Timestamp(iteration, epoch, batch + 1, sample + samples, token + tokens,
                epochInIteration, tokenInIteration + tokens,
                batchInEpoch + 1, sampleInEpoch + samples, tokenInEpoch + tokens,
                totalWct.plus(d), iterationWct.plus(d), epochWct.plus(d), d);
    }

    /** Advances to the next epoch with no extra wall-clock time. */
    public Timestamp toNextEpoch() {
        return toNextEpoch(Duration.ZERO);
    }

    /**
     * Advances to the next epoch: {@code epoch}, {@code epoch_in_iteration} +1; per-epoch counters and
     * {@code epoch_wct}, {@code batch_wct} reset; {@code duration} added to total and iteration wall-clock.
     */
    public Timestamp toNextEpoch(Duration duration) {
        Duration d = duration == null ? Duration.ZERO : duration;
        return new Timestamp(iteration, epoch + 1, batch, sample, token,
                epochInIteration + 1, tokenInIteration, 0, 0, 0,
                totalWct.plus(d), iterationWct.plus(d), Duration.ZERO, Duration.ZERO);
    }

    /**
     * The current count in {@code unit}; {@code sec} is whole seconds of {@code total_wct}.
     *
     * @throws ScheduleException for {@code dur}, which is not a counter
     */
    public long get(TimeUnit unit) {
        return switch (unit) {
            case ITERATION -> iteration;
            case EPOCH -> epoch;
            case BATCH -> batch;
            case SAMPLE -> sample;
            case TOKEN -> token;
            case SECOND -> totalWct.getSeconds();
            case DURATION -> throw new ScheduleException(
                    "A timestamp has no 'dur' counter; convert the time to a unit of the training duration first");
        };
    }

    /** {@code get(t.unit()) < t.value()}, Composer's {@code timestamp < time}. */
    public boolean isBefore(Time t) {
        return get(t.unit()) < t.value();
    }

    /** Composer's {@code Timestamp.state_dict()}: the 14 keys in order, counts as Long, wall-clock as Duration. */
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        Object[] values = {iteration, epoch, batch, sample, token, epochInIteration, tokenInIteration,
            batchInEpoch, sampleInEpoch, tokenInEpoch, totalWct, iterationWct, epochWct, batchWct};
        for (int i = 0; i < STATE_KEYS.length; i++) {
            m.put(STATE_KEYS[i], values[i]);
        }
        return m;
    }

    /**
     * Reads a state dict written by {@link #stateDict()} or by Composer. Like Composer's
     * {@code load_state_dict}, keys added in later versions (iteration*, *_wct) may be missing and default to 0.
     *
     * @throws IllegalArgumentException naming a missing required key or a value of the wrong type
     */
    public static Timestamp fromStateDict(Map<String, ?> sd) {
        return new Timestamp(count(sd, "iteration", false), count(sd, "epoch", true), count(sd, "batch", true),
                count(sd, "sample", true), count(sd, "token", true), count(sd, "epoch_in_iteration", false),
                count(sd, "token_in_iteration", false), count(sd, "batch_in_epoch", true),
                count(sd, "sample_in_epoch", true), count(sd, "token_in_epoch", true),
                wct(sd, "total_wct"), wct(sd, "iteration_wct"), wct(sd, "epoch_wct"), wct(sd, "batch_wct"));
    }

    private static long count(Map<String, ?> sd, String key, boolean required) {
        Object v = sd.get(key);
        if (v == null) {
            if (required) {
                throw new IllegalArgumentException("Timestamp state dict lacks required key '" + key + "'");
            }
            return 0;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.longValue();
        }
        throw new IllegalArgumentException("Timestamp state dict key '" + key + "' must be an integer, got " + v);
    }

    private static Duration wct(Map<String, ?> sd, String key) {
        Object v = sd.get(key);
        if (v == null) {
            return Duration.ZERO;
        }
        if (v instanceof Duration d) {
            return d;
        }
        throw new IllegalArgumentException("Timestamp state dict key '" + key + "' must be a Duration, got " + v);
    }
}
