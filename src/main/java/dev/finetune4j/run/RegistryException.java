package dev.finetune4j.run;

/** A model that cannot be registered: bad name, missing source folder, or a failed copy. */
public class RegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong and where */
    public RegistryException(String message) {
        super(message);
    }

    /** Same, with the I/O cause. */
    public RegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
