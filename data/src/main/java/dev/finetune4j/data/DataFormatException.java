package dev.finetune4j.data;

import java.nio.file.Path;

/** An input file or folder cannot be read at all (missing, empty, unreadable, not the expected container). */
public class DataFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    public DataFormatException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file;
    }

    public DataFormatException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    /** The file or folder the error is about. */
    public Path file() {
        return file;
    }
}
