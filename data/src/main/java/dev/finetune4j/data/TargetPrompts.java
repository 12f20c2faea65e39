package dev.finetune4j.data;

/**
 * Which prompt tokens are trained ({@code target_prompts}, docs/training.md §4.3):
 * {@code none} (default), {@code all}, or {@code length>=N} (a prompt is trained when it has at least N tokens).
 *
 * @param minLength 0 = all prompts, {@link Integer#MAX_VALUE} = none, otherwise the {@code length>=N} cut-off
 */
public record TargetPrompts(int minLength) {

    public static final TargetPrompts NONE = new TargetPrompts(Integer.MAX_VALUE);
    public static final TargetPrompts ALL = new TargetPrompts(0);

    public TargetPrompts {
        if (minLength < 0) {
            throw new IllegalArgumentException("target_prompts length>=N needs N >= 0, got " + minLength);
        }
    }

    /** Parses {@code none | all | length>=N}; the error names the allowed values. */
    public static TargetPrompts parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT);
        if (v.equals("none")) {
            return NONE;
        }
        if (v.equals("all")) {
            return ALL;
        }
        if (v.startsWith("length>=")) {
            try {
                return new TargetPrompts(Integer.parseInt(v.substring("length>=".length()).trim()));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("target_prompts '" + value + "' is not one of none, all, length>=N");
    }

    /** Whether a prompt of {@code promptLength} tokens is trained. */
    public boolean trains(int promptLength) {
        return minLength != Integer.MAX_VALUE && promptLength >= minLength;
    }

    @Override
    public String toString() {
        return minLength == Integer.MAX_VALUE ? "none" : minLength == 0 ? "all" : "length>=" + minLength;
    }
}
