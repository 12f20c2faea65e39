package dev.finetune4j.engine.train;

/** A training run cannot go on: non-finite loss, an unusable checkpoint, inconsistent state. */
public class TrainingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
