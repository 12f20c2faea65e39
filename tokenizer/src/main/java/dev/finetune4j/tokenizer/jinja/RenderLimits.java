package dev.finetune4j.tokenizer.jinja;

/**
 * What one compile and one render of a template may cost. A chat template comes from a downloaded model folder and is
 * untrusted: every limit is checked before the work or allocation it guards, and exceeding one fails the render with
 * a {@link RenderLimitException} naming the limit (or, for {@link #maxNesting} while parsing, a
 * {@link TemplateSyntaxException}). The default sizes and steps are over 100 times what the largest real chat template
 * needs, nesting and call depth over 20 times (they also keep the recursion inside a default 1 MiB thread stack);
 * {@code RenderLimitsMeasurementTest} prints the measurement.
 *
 * @param maxOutputChars  characters of rendered text (also of any captured block: macro body, {@code set} block)
 * @param maxValueSize    characters of any string, items of any list/dict the template builds ({@code *}, {@code ~},
 *                        {@code +}, {@code join}, {@code center}/{@code indent}/{@code format} widths, {@code tojson},
 *                        {@code replace}, printing a value)
 * @param maxRange        items of one {@code range()} (Python's jinja2 sandbox: 100,000)
 * @param maxSteps        evaluation steps of one render: statements, expressions, loop iterations, items walked by
 *                        filters, comparisons, {@code tojson} and printing, and one per 256 characters of every
 *                        string an expression builds; a macro call costs 8 plus its arguments
 * @param maxCallDepth    nested macro calls and recursive-loop calls
 * @param maxNesting      nesting of blocks and brackets in the source (parser), of expressions while evaluating and of
 *                        data walked by printing, {@code tojson} and comparisons
 */
public record RenderLimits(long maxOutputChars, long maxValueSize, long maxRange, long maxSteps, int maxCallDepth,
        int maxNesting) {

    /** Defaults for untrusted templates. */
    public static final RenderLimits DEFAULT = new RenderLimits(10_000_000, 10_000_000, 100_000, 1_000_000, 100,
            300);

    public RenderLimits {
        if (maxOutputChars <= 0 || maxValueSize <= 0 || maxRange <= 0 || maxSteps <= 0 || maxCallDepth <= 0
                || maxNesting <= 0) {
            throw new IllegalArgumentException("render limits must be positive: " + this);
        }
    }
}
