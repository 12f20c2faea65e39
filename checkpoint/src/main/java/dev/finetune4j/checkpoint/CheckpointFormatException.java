package dev.finetune4j.checkpoint;

/**
 * A checkpoint file or folder is malformed, truncated, uses a feature this module refuses (a pickle global outside
 * the allow-list, a legacy format) or cannot be written. The message names the file, the entry or offset and what is
 * wrong, so the user knows what to change.
 */
public class CheckpointFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "{@code <source>}: {@code <what>}" — the source is a file name or another label of the input. */
    public static CheckpointFormatException of(Object source, String what) {
        return new CheckpointFormatException(source + ": " + what);
    }

    public static CheckpointFormatException of(Object source, String what, Throwable cause) {
        return new CheckpointFormatException(source + ": " + what, cause);
    }
}
