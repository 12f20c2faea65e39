package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Objects;

/**
 * When an interval callback (checkpoint saving, evaluation) fires: Composer's {@code create_interval_scheduler}
 * (composer/utils/misc.py). Counter units fire when {@code floor(prev / n) != floor(cur / n)}; {@code dur}
 * intervals fire every {@code ceil(max_duration * v [* batches per epoch])} batches (samples/tokens: when that
 * many are crossed); with {@code includeEndOfTraining} it also fires once training is complete.
 *
 * <p>Stateful (remembers the last batch it fired at, as Composer does); one instance per callback. Like
 * Composer, the end-of-training firing does not record the batch, so a caller that sees both the batch and the
 * epoch checkpoint event at the end must skip a second save at the same batch (Composer's CheckpointSaver does).
 */
public final class Interval {

    /** The trainer events an interval is asked about. */
    public enum Event {
        /** After a batch's timestamp has advanced. */
        BATCH_CHECKPOINT,
        /** After an epoch's timestamp has advanced. */
        EPOCH_CHECKPOINT
    }

    private final Time interval;
    private final boolean includeEndOfTraining;
    private long lastBatchSeen = -1;

    /**
     * @param interval             how often, e.g. {@code 50ba}, {@code 1ep}, {@code 0.25dur}
     * @param includeEndOfTraining also fire when training completes
     * @throws ScheduleException for {@code iter} intervals or a {@code dur} interval that is not positive
     */
    public Interval(Time interval, boolean includeEndOfTraining) {
        this.interval = Objects.requireNonNull(interval, "interval");
        this.includeEndOfTraining = includeEndOfTraining;
        if (interval.unit() == TimeUnit.ITERATION) {
            throw new ScheduleException("Interval " + interval + " in iterations is not supported; use ep, ba, sp,"
                    + " tok, dur or sec");
        }
        if (interval.unit() == TimeUnit.DURATION && !(interval.value() > 0)) {
            throw new ScheduleException("Interval " + interval + " must be a positive fraction of the run");
        }
    }

    /** Parses {@code spec} as a time string (see {@link Time#parse}). */
    public static Interval parse(String spec, boolean includeEndOfTraining) {
        return new Interval(Time.parse(spec), includeEndOfTraining);
    }

    /** The interval. */
    public Time interval() {
        return interval;
    }

    /**
     * Whether the callback runs at {@code event}.
     *
     * @param previous the timestamp before the last batch (null before training starts: never fires)
     * @param current  the timestamp now
     * @throws ScheduleException for a {@code dur} interval without a known dataloader length
     */
    public boolean fires(Event event, Timestamp previous, Timestamp current, ScheduleContext ctx) {
        if (interval.unit() != TimeUnit.DURATION && interval.value() <= 0) {
            return false;
        }
        if (previous == null) {
            return false;
        }
        if (includeEndOfTraining && ctx.elapsedFraction(current) >= 1.0 && current.batch() != lastBatchSeen) {
            return true;
        }
        Event intervalEvent = interval.unit() == TimeUnit.EPOCH ? Event.EPOCH_CHECKPOINT : Event.BATCH_CHECKPOINT;
        if (interval.unit() != TimeUnit.DURATION) {
            long prev = interval.unit().count(previous);
            long cur = interval.unit().count(current);
            if (event == intervalEvent && crossed(prev, cur, interval.value())) {
                lastBatchSeen = current.batch();
                return true;
            }
            return false;
        }
        Time max = ctx.maxDuration();
        long len = ctx.dataloaderLen().orElseThrow(() -> new ScheduleException(
                "Interval " + interval + " of type dur requires the dataloader length (batches per epoch)"));
        if (event != intervalEvent) {
            return false;
        }
        boolean fire = switch (max.unit()) {
            case EPOCH -> current.batch() % everyBatches(Math.ceil(max.value() * interval.value() * len)) == 0;
            case BATCH -> current.batch() % everyBatches(Math.ceil(max.value() * interval.value())) == 0;
            case SAMPLE, TOKEN -> crossed(max.unit().count(previous), max.unit().count(current),
                    Math.ceil(max.value() * interval.value()));
            default -> false;
        };
        if (fire) {
            lastBatchSeen = current.batch();
        }
        return fire;
    }

    private long everyBatches(double n) {
        if (n < 1) {
            throw new ScheduleException("Interval " + interval + " is shorter than one batch of this run");
        }
        return (long) n;
    }

    private static boolean crossed(long prev, long cur, double every) {
        return Math.floor(prev / every) != Math.floor(cur / every);
    }
}
