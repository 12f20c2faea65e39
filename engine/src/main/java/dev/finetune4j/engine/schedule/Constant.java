package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Objects;

/**
 * Composer's {@code ConstantScheduler}: {@code alpha} while {@code t < t_max}, 1.0 afterwards (the defaults keep
 * the learning rate unchanged for the whole run).
 *
 * @param alpha the multiplier while active
 * @param tMax  how long it is active, default {@code 1dur}
 */
public record Constant(double alpha, Time tMax) implements Scheduler {

    /** Rejects a null t_max. */
    public Constant {
        Objects.requireNonNull(tMax, "tMax");
    }

    /** {@code alpha = 1} for the whole run. */
    public static Constant one() {
        return new Constant(1.0, Time.ofDuration(1.0));
    }

    @Override
    public double alpha(Timestamp ts, ScheduleContext ctx) {
        Time tm = TimeConverter.convert(tMax, ctx, ctx.ssr());
        return tm.isAfter(ts) ? alpha : 1.0;
    }
}
