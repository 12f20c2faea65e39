package dev.finetune4j.tokenizer.jinja;

/**
 * Rendering failed: a Python-level error (TypeError, UndefinedError, …) or a {@code raise_exception} call. The line is
 * filled in by the statement or expression that failed.
 */
public class TemplateRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private int line;
    private final boolean raisedByTemplate;
    private int messageIndex = -1;

    public TemplateRuntimeException(String message) {
        this(message, false);
    }

    public TemplateRuntimeException(String message, boolean raisedByTemplate) {
        super(message);
        this.raisedByTemplate = raisedByTemplate;
    }

    /** 1-based template line of the failing node, 0 when unknown. */
    public int line() {
        return line;
    }

    /** Records the line if none is recorded yet (the innermost node wins). */
    TemplateRuntimeException atLine(int l) {
        if (line == 0) {
            line = l;
        }
        return this;
    }

    /** Index into the rendered messages of the message being processed when it failed, or -1. */
    public int messageIndex() {
        return messageIndex;
    }

    /** Records the message index if none is recorded yet (the innermost loop wins). */
    TemplateRuntimeException atMessage(int index) {
        if (messageIndex < 0) {
            messageIndex = index;
        }
        return this;
    }

    /** True when the template itself called {@code raise_exception}. */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
