package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An amount of training time in one {@link TimeUnit}, like Composer's {@code Time}. Values of every unit except
 * {@code dur} are integral (stored exactly in the double up to 2^53); {@code dur} values are fractions of the
 * whole run.
 *
 * @param value the amount; integral unless {@code unit == DURATION}
 * @param unit  the unit
 */
public record Time(double value, TimeUnit unit) {

    // docs/training.md §1.1: regex built from the units in enum order, IGNORECASE.
    private static final Pattern TIME_STRING = Pattern.compile(
            "^(.+)(iter|ep|ba|sp|tok|dur|sec)$",
            Pattern.CASE_INSENSITIVE | Pattern.UNIX_LINES);
    private static final Pattern WCT = Pattern.compile("^(\\d+h)?(\\d+m)?(\\d+s)?$", Pattern.UNIX_LINES);
    // Python's strptime patterns for %H, %M, %S; datetime() then rejects seconds 60 and 61.
    private static final Pattern HMS = Pattern.compile("(2[0-3]|[0-1]\\d|\\d)h([0-5]\\d|\\d)m(6[0-1]|[0-5]\\d|\\d)s",
            Pattern.CASE_INSENSITIVE);
    private static final double LONG_LIMIT = 0x1p63;

    /** Validates that non-{@code dur} values are integral and every value is finite. */
    public Time {
        Objects.requireNonNull(unit, "unit");
        if (!Double.isFinite(value)) {
            throw new TimeFormatException("Time value must be finite, got " + value + unit.symbol());
        }
        if (unit != TimeUnit.DURATION && (value != Math.rint(value) || Math.abs(value) >= LONG_LIMIT)) {
            throw new TimeFormatException("value " + value + " is not an integer. Units " + unit.symbol()
                    + " require integer values (only dur takes fractions, e.g. 0.02dur)");
        }
        if (value == 0.0) {
            value = 0.0; // -0 is 0, as Python's int(-0.0) and -0.0 == 0.0
        }
    }

    /** An integral amount of a non-{@code dur} unit. */
    public static Time of(long count, TimeUnit unit) {
        return new Time(count, unit);
    }

    /** A fraction of the run, e.g. {@code ofDuration(0.02)} is {@code 0.02dur}. */
    public static Time ofDuration(double fraction) {
        return new Time(fraction, TimeUnit.DURATION);
    }

    /**
     * Parses a time string exactly as Composer's {@code Time.from_timestring}: first the wall-clock form
     * {@code XhYmZs} (any part optional, result in {@code sec}), then a number followed by a unit symbol,
     * case-insensitive. The number is read as a float first, so {@code 3e4tok} is 30000 tokens; units other
     * than {@code dur} need an integral value.
     *
     * @throws TimeFormatException naming the string and the allowed units
     */
    public static Time parse(String timestring) {
        Objects.requireNonNull(timestring, "timestring");
        Time wallClock = parseWallClock(timestring);
        if (wallClock != null) {
            return wallClock;
        }
        Matcher m = TIME_STRING.matcher(timestring);
        if (!m.find()) {
            throw new TimeFormatException("Invalid time string '" + timestring + "': expected a number followed by"
                    + " one of the units " + TimeUnit.allowedSymbols()
                    + " (e.g. 500ba, 1ep, 0.02dur, 3e4tok) or a wall-clock time like 1h30m");
        }
        TimeUnit unit = TimeUnit.fromSymbol(m.group(2));
        OptionalDouble value = PythonFloat.parse(m.group(1));
        if (value.isEmpty()) {
            throw new TimeFormatException("Invalid time string '" + timestring + "': '" + m.group(1)
                    + "' is not a number (allowed units: " + TimeUnit.allowedSymbols() + ")");
        }
        double v = value.getAsDouble();
        if (unit != TimeUnit.DURATION && (!Double.isFinite(v) || v != Math.rint(v) || Math.abs(v) >= LONG_LIMIT)) {
            throw new TimeFormatException("Invalid time string '" + timestring + "': value " + m.group(1).strip()
                    + " is not an integer. Units " + unit.symbol() + " require integer values (only dur takes"
                    + " fractions)");
        }
        if (!Double.isFinite(v)) {
            throw new TimeFormatException("Invalid time string '" + timestring + "': the value must be finite");
        }
        return new Time(v, unit);
    }

    // Composer verify_wct + strptime('%Hh%Mm%Ss'); null where Composer falls through to the unit regex.
    private static Time parseWallClock(String s) {
        String t = s;
        if (!t.contains("h")) {
            t = "0h" + t;
        }
        if (!t.contains("m")) {
            t = t.replace("h", "h0m");
        }
        if (!t.contains("s")) {
            t = t + "0s";
        }
        if (!WCT.matcher(t).find()) {
            return null;
        }
        Matcher hms = HMS.matcher(t);
        if (!hms.matches()) {
            return null;
        }
        int seconds = Integer.parseInt(hms.group(3));
        if (seconds > 59) {
            return null;
        }
        long total = Integer.parseInt(hms.group(1)) * 3600L + Integer.parseInt(hms.group(2)) * 60L + seconds;
        return new Time(total, TimeUnit.SECOND);
    }

    /** The integral amount. @throws IllegalStateException for {@code dur} values */
    public long count() {
        if (unit == TimeUnit.DURATION) {
            throw new IllegalStateException(this + " is a fraction of the run, not a count");
        }
        return (long) value;
    }

    /** True when the value is zero. */
    public boolean isZero() {
        return value == 0.0;
    }

    /** The time string, e.g. {@code 40ba} or {@code 0.02dur}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        String v = unit == TimeUnit.DURATION ? Double.toString(value) : Long.toString((long) value);
        return v + unit.symbol();
    }

    /** Whether {@code ts} has not reached this time yet: Composer's {@code timestamp < time} (same unit as here). */
    public boolean isAfter(Timestamp ts) {
        return unit.count(ts) < value;
    }
}
