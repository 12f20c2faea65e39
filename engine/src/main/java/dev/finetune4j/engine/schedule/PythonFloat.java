package dev.finetune4j.engine.schedule;

import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/** Python's {@code float(str)} grammar (whitespace, {@code _} between digits, inf/nan), so values parse alike. */
final class PythonFloat {
    private static final String DIGITS = "\\d(?:_?\\d)*";
    private static final Pattern NUMBER = Pattern.compile(
            "[+-]?(?:(?:(?:" + DIGITS + ")?\\." + DIGITS + "|" + DIGITS + "\\.?)(?:[eE][+-]?" + DIGITS + ")?"
                    + "|(?i:inf|infinity|nan))");

    private PythonFloat() {
    }

    /** The value of {@code s} as Python's {@code float()} reads it, or empty where Python raises ValueError. */
    static OptionalDouble parse(String s) {
        String t = s.strip();
        if (!NUMBER.matcher(t).matches()) {
            return OptionalDouble.empty();
        }
        String lower = t.toLowerCase(Locale.ROOT).replace("_", "");
        String unsigned = lower.startsWith("+") || lower.startsWith("-") ? lower.substring(1) : lower;
        boolean negative = lower.startsWith("-");
        if (unsigned.startsWith("inf")) {
            return OptionalDouble.of(negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        }
        if (unsigned.equals("nan")) {
            return OptionalDouble.of(Double.NaN);
        }
        return OptionalDouble.of(Double.parseDouble(lower));
    }
}
