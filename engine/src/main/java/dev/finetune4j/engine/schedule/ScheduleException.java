package dev.finetune4j.engine.schedule;

/**
 * A schedule that cannot be evaluated for this run (wall-clock units, warmup and t_max in different units, t_max
 * shorter than the training duration, a missing dataloader length…). The message says what to change.
 */
public class ScheduleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong and how to fix it */
    public ScheduleException(String message) {
        super(message);
    }
}
