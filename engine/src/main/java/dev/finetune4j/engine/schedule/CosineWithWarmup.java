package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Objects;
import java.util.Optional;

/**
 * Composer's {@code CosineAnnealingWithWarmupScheduler} (docs/training.md §2.1): linear warmup 0 → 1 while
 * {@code t < t_w}, then {@code α = αf + (1 − αf) * (1 + cos(π τ)) / 2} with
 * {@code τ = clip((t − t_w) / (t_max − t_w), 0, 1)}.
 *
 * @param tWarmup     warmup length
 * @param tMax        end of the decay, default {@code 1dur}
 * @param alphaF      final multiplier
 * @param scaleWarmup whether ssr also scales the warmup
 */
public record CosineWithWarmup(Time tWarmup, Time tMax, double alphaF, boolean scaleWarmup) implements Scheduler {

    /** Rejects null times. */
    public CosineWithWarmup {
        Objects.requireNonNull(tWarmup, "tWarmup");
        Objects.requireNonNull(tMax, "tMax");
    }

    /** Composer's defaults: t_max 1dur, no warmup scaling. */
    public static CosineWithWarmup of(Time tWarmup, double alphaF) {
        return new CosineWithWarmup(tWarmup, Time.ofDuration(1.0), alphaF, false);
    }

    @Override
    public double alpha(Timestamp ts, ScheduleContext ctx) {
        Time tw = TimeConverter.convert(tWarmup, ctx);
        Time tm = TimeConverter.convert(tMax, ctx, ctx.ssr());
        WarmupChecks.requireSameUnit(tw, tm, tWarmup, tMax);
        WarmupChecks.requireCoversTraining(tm, ctx);
        if (tw.isAfter(ts)) {
            return new LinearScheduler(0.0, 1.0, tWarmup).alpha(ts, ctx, scaleWarmup ? ctx.ssr() : 1.0);
        }
        double t = tw.unit().count(ts);
        double frac = tm.value() > tw.value() ? (t - tw.value()) / (tm.value() - tw.value()) : 0.0;
        frac = Math.min(1.0, frac);
        return cosineAnneal(frac, alphaF);
    }

    /** Composer's {@code _cosine_anneal(x, min_y, 1.0)} with x clipped to [0, 1]. */
    static double cosineAnneal(double x, double minY) {
        double c = Math.min(Math.max(x, 0.0), 1.0);
        return minY + (1.0 - minY) * (1 + Math.cos(c * Math.PI)) / 2;
    }

    @Override
    public Optional<Time> warmup() {
        return Optional.of(tWarmup);
    }
}
