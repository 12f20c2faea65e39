package dev.finetune4j.engine.schedule;

/** A time string that Composer's {@code Time.from_timestring} would reject; the message names the string. */
public class TimeFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong and what is allowed */
    public TimeFormatException(String message) {
        super(message);
    }
}
