package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Objects;
import java.util.Optional;

/**
 * Composer's {@code ConstantWithWarmupScheduler}: {@link LinearWithWarmup} with {@code alpha_i = alpha_f = alpha}
 * — a linear warmup to {@code alpha}, then flat.
 *
 * @param tWarmup     warmup length
 * @param alpha       the multiplier after warmup
 * @param tMax        schedule length, default {@code 1dur}
 * @param scaleWarmup whether ssr also scales the warmup
 */
public record ConstantWithWarmup(Time tWarmup, double alpha, Time tMax, boolean scaleWarmup) implements Scheduler {

    /** Rejects null times. */
    public ConstantWithWarmup {
        Objects.requireNonNull(tWarmup, "tWarmup");
        Objects.requireNonNull(tMax, "tMax");
    }

    @Override
    public double alpha(Timestamp ts, ScheduleContext ctx) {
        return new LinearWithWarmup(tWarmup, alpha, alpha, tMax, scaleWarmup).alpha(ts, ctx);
    }

    @Override
    public Optional<Time> warmup() {
        return Optional.of(tWarmup);
    }
}
