package dev.finetune4j.tokenizer.jinja;

/** The template source is not valid Jinja (for the supported subset); the message names template and line. */
public class TemplateSyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int line;

    public TemplateSyntaxException(String templateName, int line, String message) {
        super("template '" + templateName + "' line " + line + ": " + message);
        this.line = line;
    }

    /** 1-based line of the template source. */
    public int line() {
        return line;
    }
}
