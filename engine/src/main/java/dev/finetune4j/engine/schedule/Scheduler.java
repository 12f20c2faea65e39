package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Optional;

/**
 * A stateless learning-rate multiplier, Composer's {@code ComposerScheduler}: {@code lr = base_lr * alpha}.
 * Implementations are pure functions of the timestamp and the run context.
 */
public interface Scheduler {

    /**
     * The multiplier α at {@code ts}.
     *
     * @throws ScheduleException when the schedule does not fit the run (units, t_max shorter than training)
     */
    double alpha(Timestamp ts, ScheduleContext ctx);

    /** The warmup time, for schedulers that have one (used to warn when it converts to zero). */
    default Optional<Time> warmup() {
        return Optional.empty();
    }
}
