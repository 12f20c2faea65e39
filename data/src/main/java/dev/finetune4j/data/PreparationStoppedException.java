package dev.finetune4j.data;

/** Data preparation ended early because the run was asked to stop; no cache entry was published. */
public final class PreparationStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PreparationStoppedException(String message) {
        super(message);
    }
}
