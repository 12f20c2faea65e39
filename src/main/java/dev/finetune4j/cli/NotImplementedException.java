package dev.finetune4j.cli;

/** A command whose implementation has not landed yet. */
final class NotImplementedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotImplementedException(String what) {
        super(what + " is not implemented yet");
    }
}
