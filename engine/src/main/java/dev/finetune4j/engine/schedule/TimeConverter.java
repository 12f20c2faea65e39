package dev.finetune4j.engine.schedule;

/**
 * Composer's {@code _convert_time(time, state, ssr)} (docs/training.md §1.2): turns a
 * schedule time into a counter unit of this run, with Python's {@code int()} truncation.
 */
public final class TimeConverter {
    private TimeConverter() {
    }

    /** {@link #convert(Time, ScheduleContext, double)} with ssr 1.0. */
    public static Time convert(Time time, ScheduleContext ctx) {
        return convert(time, ctx, 1.0);
    }

    /**
     * Converts {@code time}:
     * <ul>
     *   <li>{@code dur} with max_duration in epochs: {@code int(v * dataloader_len * max)} batches, no ssr;</li>
     *   <li>{@code dur} otherwise: {@code int(v * max)} in max_duration's unit, no ssr;</li>
     *   <li>{@code ep}: {@code v * dataloader_len} batches, then scaled;</li>
     *   <li>everything: {@code int(value * ssr)}.</li>
     * </ul>
     *
     * @throws ScheduleException for {@code sec}, or epochs without a known dataloader length
     */
    public static Time convert(Time time, ScheduleContext ctx, double ssr) {
        if (time.unit() == TimeUnit.SECOND) {
            throw new ScheduleException("Wall clock time not an allowed time unit (" + time
                    + "); use ba, ep, sp, tok or dur");
        }
        Time max = ctx.maxDuration();
        if (time.unit() == TimeUnit.DURATION) {
            if (max.unit() == TimeUnit.EPOCH) {
                // same multiplication order as Python: (v * len) * max, then int() truncation
                double batches = time.value() * ctx.requireDataloaderLen() * max.value();
                return Time.of(truncate(batches), TimeUnit.BATCH);
            }
            return Time.of(truncate(time.value() * max.value()), max.unit());
        }
        Time t = time;
        if (t.unit() == TimeUnit.EPOCH) {
            t = Time.of(t.count() * ctx.requireDataloaderLen(), TimeUnit.BATCH);
        }
        return Time.of(truncate(t.value() * ssr), t.unit());
    }

    private static long truncate(double v) {
        return (long) v; // Java's cast truncates toward zero, like Python's int()
    }
}
