package dev.finetune4j.tokenizer.jinja;

/**
 * A render exceeded one of its {@link RenderLimits}; {@link #limit()} names the record component, the message says
 * what was being built and the line is filled in like any other runtime error.
 */
public class RenderLimitException extends TemplateRuntimeException {
    private static final long serialVersionUID = 1L;
    private final String limit;

    RenderLimitException(String limit, long value, String what) {
        super("RenderLimitError: " + what + " exceeds the render limit " + limit + " = " + value
                + " (RenderLimits; the template is refused as too expensive)");
        this.limit = limit;
    }

    /** The {@link RenderLimits} component that was exceeded, e.g. {@code "maxValueSize"}. */
    public String limit() {
        return limit;
    }
}
