package dev.finetune4j.run;

/** A run folder cannot be used: in use by another process, not a finetune4j run, or a re-used run name. */
public final class RunFolderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RunFolderException(String message) {
        super(message);
    }
}
