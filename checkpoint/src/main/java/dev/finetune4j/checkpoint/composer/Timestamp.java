package dev.finetune4j.checkpoint.composer;

import dev.finetune4j.checkpoint.CheckpointFormatException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Composer's {@code Timestamp}: training progress counters and wall-clock durations (docs/training.md §1.3), in the
 * key order of {@code Timestamp.state_dict()} (docs/formats.md §3.2). The one progress type of the project: the
 * trainer advances it, schedules read it (engine {@code TimeUnit.count}), checkpoints store it. Immutable:
 * {@link #toNextBatch} and {@link #toNextEpoch} return new instances. Counts are totals over all ranks.
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
public record Timestamp(long iteration, long epoch, long batch, long sample, long token, long epochInIteration,
                        long tokenInIteration, long batchInEpoch, long sampleInEpoch, long tokenInEpoch,
                        Duration totalWct, Duration iterationWct, Duration epochWct, Duration batchWct) {

    /** The start of training: all counts 0, all durations zero. */
    public static final Timestamp ZERO = new Timestamp(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Duration.ZERO, Duration.ZERO,
            Duration.ZERO, Duration.ZERO);

    /** The state-dict keys in Composer's order: ten counts, then four timedeltas. */
    private static final String[] INT_KEYS = {"iteration", "epoch", "batch", "sample", "token", "epoch_in_iteration",
        "token_in_iteration", "batch_in_epoch", "sample_in_epoch", "token_in_epoch"};
    private static final String[] WCT_KEYS = {"total_wct", "iteration_wct", "epoch_wct", "batch_wct"};
    /** Keys Composer's {@code load_state_dict} needs; the iteration counters and durations came later. */
    private static final boolean[] REQUIRED = {false, true, true, true, true, false, false, true, true, true};

    /** Null durations mean zero. */
    public Timestamp {
        totalWct = totalWct == null ? Duration.ZERO : totalWct;
        iterationWct = iterationWct == null ? Duration.ZERO : iterationWct;
        epochWct = epochWct == null ? Duration.ZERO : epochWct;
        batchWct = batchWct == null ? Duration.ZERO : batchWct;
    }

    /**
     * Advances by one batch: {@code batch}, {@code batch_in_epoch} +1; samples and tokens added to their totals,
     * per-epoch and (tokens) per-iteration counters; {@code duration} added to total/iteration/epoch wall-clock
     * and stored as {@code batch_wct}.
     */
    public Timestamp toNextBatch(long samples, long tokens, Duration duration) {
        Duration d = duration == null ? Duration.ZERO : duration;
        return new Timestamp(iteration, epoch, batch + 1, sample + samples, token + tokens, epochInIteration,
                tokenInIteration + tokens, batchInEpoch + 1, sampleInEpoch + samples, tokenInEpoch + tokens,
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
        return new Timestamp(iteration, epoch + 1, batch, sample, token, epochInIteration + 1, tokenInIteration, 0,
                0, 0, totalWct.plus(d), iterationWct.plus(d), Duration.ZERO, Duration.ZERO);
    }

    /** {@code Timestamp.state_dict()}: the ten counts as Long, then the four durations, in Composer's order. */
    public Map<String, Object> toStateDict() {
        long[] ints = {iteration, epoch, batch, sample, token, epochInIteration, tokenInIteration, batchInEpoch,
            sampleInEpoch, tokenInEpoch};
        Duration[] wct = {totalWct, iterationWct, epochWct, batchWct};
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < INT_KEYS.length; i++) {
            m.put(INT_KEYS[i], ints[i]);
        }
        for (int i = 0; i < WCT_KEYS.length; i++) {
            m.put(WCT_KEYS[i], wct[i]);
        }
        return m;
    }

    /**
     * Parses a {@code Timestamp.state_dict()} written by {@link #toStateDict()} or by Composer. Like Composer's
     * {@code load_state_dict}, keys added in later versions (iteration counters, {@code *_wct}) may be missing and
     * default to 0.
     *
     * @param source names the checkpoint in errors
     * @throws CheckpointFormatException naming a missing required key or a value of the wrong type
     */
    public static Timestamp fromStateDict(Map<?, ?> m, String source) {
        long[] v = new long[INT_KEYS.length];
        for (int i = 0; i < INT_KEYS.length; i++) {
            Object o = m.get(INT_KEYS[i]);
            if (o == null) {
                if (REQUIRED[i]) {
                    throw CheckpointFormatException.of(source, "state.timestamp.Timestamp lacks the required key '"
                            + INT_KEYS[i] + "'");
                }
                continue;
            }
            if (!(o instanceof Long || o instanceof Integer)) {
                throw CheckpointFormatException.of(source, "state.timestamp.Timestamp." + INT_KEYS[i]
                        + " is not an int but " + o);
            }
            long l = ((Number) o).longValue();
            if (l < 0) {
                throw CheckpointFormatException.of(source, "state.timestamp.Timestamp." + INT_KEYS[i] + " is " + l
                        + "; training counters are never negative");
            }
            v[i] = l;
        }
        Duration[] d = new Duration[WCT_KEYS.length];
        for (int i = 0; i < WCT_KEYS.length; i++) {
            Object o = m.get(WCT_KEYS[i]);
            if (o != null && !(o instanceof Duration)) {
                throw CheckpointFormatException.of(source, "state.timestamp.Timestamp." + WCT_KEYS[i]
                        + " is not a timedelta but " + o);
            }
            d[i] = (Duration) o;
        }
        return new Timestamp(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], d[0], d[1], d[2], d[3]);
    }
}
