package dev.finetune4j.distributed;

/** A distributed operation failed: the bridge refused the loaded libtorch, a rendezvous or a collective failed. */
public class C10dException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public C10dException(String message) {
        super(message);
    }

    public C10dException(String message, Throwable cause) {
        super(message, cause);
    }
}
