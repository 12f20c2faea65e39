package dev.finetune4j.engine.kernel;

/** A kernel library failure: the archive could not be written or loaded, or a kernel call failed. */
public class KernelException extends RuntimeException {

    public KernelException(String message, Throwable cause) {
        super(message, cause);
    }

    public KernelException(String message) {
        super(message);
    }
}
