package dev.finetune4j.data;

import java.util.Locale;

/** Which assistant responses are trained ({@code target_responses}, docs/training.md §4.3): the last one (default) or all. */
public enum TargetResponses {
    LAST, ALL;

    /** Parses {@code last | all}; the error names the allowed values. */
    public static TargetResponses parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "last" -> LAST;
            case "all" -> ALL;
            default -> throw new IllegalArgumentException("target_responses '" + value + "' is not one of last, all");
        };
    }

    /** Whether the response of a turn is trained. */
    public boolean trains(boolean lastTurn) {
        return this == ALL || lastTurn;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
