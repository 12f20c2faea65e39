package dev.finetune4j.config;

import dev.finetune4j.engine.schedule.Scheduler;
import dev.finetune4j.engine.schedule.Schedulers;
import dev.finetune4j.engine.schedule.Time;

/**
 * The learning-rate schedule ({@code scheduler:} block), resolved: {@code warmup_steps: n} became
 * {@code t_warmup: nba} and {@code min_lr} became {@code alpha_f = min_lr / learning_rate}.
 *
 * @param name    linear_with_warmup (default), cosine_with_warmup, constant_with_warmup or constant
 * @param tWarmup warmup length, default {@code 0.02dur}
 * @param alphaI  multiplier reached at the end of warmup, default 1
 * @param alphaF  final multiplier, default 0
 */
public record SchedulerConfig(String name, Time tWarmup, double alphaI, double alphaF) {

    /** Defaults: linear_with_warmup, 0.02dur warmup, 1 → 0. */
    public static SchedulerConfig defaults() {
        return new SchedulerConfig("linear_with_warmup", Time.parse("0.02dur"), 1.0, 0.0);
    }

    /** The engine scheduler for this configuration (t_max {@code 1dur}). */
    public Scheduler toScheduler() {
        return Schedulers.create(name, tWarmup, alphaI, alphaF, Time.ofDuration(1.0));
    }
}
