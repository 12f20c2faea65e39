package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What schedulers read besides the timestamp: the run's {@code max_duration}, the number of batches per epoch
 * ({@code dataloader_len}, needed when durations involve epochs) and the scale-schedule ratio (1.0 = off).
 *
 * @param maxDuration   the training duration; unit ep, ba, sp, tok or iter
 * @param dataloaderLen batches per epoch, when known
 * @param ssr           scale-schedule ratio; stretches t_max (and warmup with scale_warmup)
 */
public record ScheduleContext(Time maxDuration, OptionalLong dataloaderLen, double ssr) {

    /** Validates the duration unit and ratio. */
    public ScheduleContext {
        Objects.requireNonNull(maxDuration, "maxDuration");
        Objects.requireNonNull(dataloaderLen, "dataloaderLen");
        if (maxDuration.unit() == TimeUnit.SECOND) {
            throw new ScheduleException("Wall clock time not an allowed time unit for the training duration ("
                    + maxDuration + "); use ep, ba, sp or tok");
        }
        if (maxDuration.unit() == TimeUnit.DURATION) {
            throw new ScheduleException("The training duration cannot be a fraction of itself (" + maxDuration
                    + "); use ep, ba, sp or tok");
        }
        if (dataloaderLen.isPresent() && dataloaderLen.getAsLong() < 0) {
            throw new ScheduleException("dataloader length must be >= 0, got " + dataloaderLen.getAsLong());
        }
        if (!(ssr > 0) || !Double.isFinite(ssr)) {
            throw new ScheduleException("scale schedule ratio must be > 0, got " + ssr);
        }
    }

    /** A context with {@code batchesPerEpoch} known and no schedule scaling. */
    public static ScheduleContext of(Time maxDuration, long batchesPerEpoch) {
        return new ScheduleContext(maxDuration, OptionalLong.of(batchesPerEpoch), 1.0);
    }

    /** A context without a known epoch length (only valid when nothing involves epochs). */
    public static ScheduleContext withoutEpochLength(Time maxDuration) {
        return new ScheduleContext(maxDuration, OptionalLong.empty(), 1.0);
    }

    /** Batches per epoch. @throws ScheduleException when unknown */
    public long requireDataloaderLen() {
        return dataloaderLen.orElseThrow(() -> new ScheduleException(
                "Cannot convert time, as the dataloader length (batches per epoch) is unknown"));
    }

    /**
     * Composer's {@code State.get_elapsed_duration()}: {@code timestamp.get(max_duration.unit) / max_duration},
     * a fraction that reaches 1.0 when training is done.
     */
    public double elapsedFraction(Timestamp ts) {
        return maxDuration.unit().count(ts) / maxDuration.value();
    }

    /** True once {@code timestamp >= max_duration} (the trainer stops after the batch that gets there). */
    public boolean isDone(Timestamp ts) {
        return maxDuration.unit().count(ts) >= maxDuration.value();
    }
}
