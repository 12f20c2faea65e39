package dev.finetune4j.engine.optim;

/** Invalid optimizer settings or optimizer state that does not fit the parameters. */
public class OptimizerException extends RuntimeException {

    public OptimizerException(String message) {
        super(message);
    }
}
