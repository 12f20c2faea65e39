package dev.finetune4j.data.encode;

/** An example cannot be encoded (the chat template raised, or its output breaks the turn-prefix invariants). */
public class InvalidExampleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidExampleException(String reason) {
        super(reason);
    }

    public InvalidExampleException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
