package dev.finetune4j.engine.model;

/** Weights that do not fit the model: a missing or unexpected tensor name, a wrong shape or dtype. */
public class StateDictException extends RuntimeException {

    public StateDictException(String message) {
        super(message);
    }
}
