package dev.finetune4j.data;

/**
 * The data has more invalid samples than {@code allow_percentage_invalid_samples} allows, or nothing trainable is
 * left. The message lists the first problems as {@code file:line: reason} and how many there are in all.
 */
public class DataValidationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ValidationReport report;

    public DataValidationException(String summary, ValidationReport report) {
        super(summary + (report == null ? "" : "\n" + report.formatProblems(20)));
        this.report = report;
    }

    /** The full report (all problems counted, the first ones kept). */
    public ValidationReport report() {
        return report;
    }
}
