package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Objects;
import java.util.Optional;

/**
 * Composer's {@code LinearWithWarmupScheduler} as the code computes it (docs/training.md §2.1): a linear
 * warmup {@code α = alphaI * t / t_w} while {@code t < t_w}, then
 * {@code α = αi + min(1, (t − t_w) / (t_max − t_w)) * (αf − αi)} (0 progress when {@code t_max <= t_w}).
 * The warmup is not scaled by ssr unless {@code scaleWarmup}.
 *
 * @param tWarmup     warmup length
 * @param alphaI      multiplier at the end of warmup
 * @param alphaF      multiplier at t_max
 * @param tMax        end of the decay, default {@code 1dur}
 * @param scaleWarmup whether ssr also scales the warmup
 */
public record LinearWithWarmup(Time tWarmup, double alphaI, double alphaF, Time tMax, boolean scaleWarmup)
        implements Scheduler {

    /** Rejects null times. */
    public LinearWithWarmup {
        Objects.requireNonNull(tWarmup, "tWarmup");
        Objects.requireNonNull(tMax, "tMax");
    }

    /** Composer's defaults: alpha_i 1, t_max 1dur, no warmup scaling. */
    public static LinearWithWarmup of(Time tWarmup, double alphaF) {
        return new LinearWithWarmup(tWarmup, 1.0, alphaF, Time.ofDuration(1.0), false);
    }

    @Override
    public double alpha(Timestamp ts, ScheduleContext ctx) {
        Time tw = TimeConverter.convert(tWarmup, ctx);
        Time tm = TimeConverter.convert(tMax, ctx, ctx.ssr());
        WarmupChecks.requireSameUnit(tw, tm, tWarmup, tMax);
        WarmupChecks.requireCoversTraining(tm, ctx);
        if (tw.isAfter(ts)) {
            return new LinearScheduler(0.0, alphaI, tWarmup).alpha(ts, ctx, scaleWarmup ? ctx.ssr() : 1.0);
        }
        double t = tw.unit().count(ts);
        double frac = tm.value() > tw.value() ? (t - tw.value()) / (tm.value() - tw.value()) : 0.0;
        frac = Math.min(1.0, frac);
        return alphaI + frac * (alphaF - alphaI);
    }

    @Override
    public Optional<Time> warmup() {
        return Optional.of(tWarmup);
    }
}
