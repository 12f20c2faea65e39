package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Objects;

/**
 * Composer's {@code LinearScheduler}: α moves linearly from {@code alphaI} to {@code alphaF} over {@code tMax},
 * {@code α = αi + min(1, t / t_max) * (αf − αi)}. Also the warmup part of the warmup schedulers.
 *
 * @param alphaI initial multiplier
 * @param alphaF final multiplier
 * @param tMax   the length of the ramp
 */
public record LinearScheduler(double alphaI, double alphaF, Time tMax) implements Scheduler {

    /** Rejects a null t_max. */
    public LinearScheduler {
        Objects.requireNonNull(tMax, "tMax");
    }

    @Override
    public double alpha(Timestamp ts, ScheduleContext ctx) {
        return alpha(ts, ctx, ctx.ssr());
    }

    /** α with an explicit ssr (warmups pass 1.0 unless scale_warmup). */
    double alpha(Timestamp ts, ScheduleContext ctx, double ssr) {
        Time tMaxConv = TimeConverter.convert(tMax, ctx, ssr);
        double t = tMaxConv.unit().count(ts);
        double frac = Math.min(1.0, t / tMaxConv.value());
        return alphaI + frac * (alphaF - alphaI);
    }
}
