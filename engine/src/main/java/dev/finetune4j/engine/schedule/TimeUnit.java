package dev.finetune4j.engine.schedule;

import dev.finetune4j.checkpoint.composer.Timestamp;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Units of training time, with Composer's symbols (docs/training.md §1.1). */
public enum TimeUnit {
    /** Iterations (a group of epochs; always 0 here). */
    ITERATION("iter"),
    /** Epochs: full passes over the training data. */
    EPOCH("ep"),
    /** Batches, i.e. optimizer steps. */
    BATCH("ba"),
    /** Samples (rows; packed rows when packing). */
    SAMPLE("sp"),
    /** Non-padding tokens. */
    TOKEN("tok"),
    /** Fraction of the whole training duration. */
    DURATION("dur"),
    /** Wall-clock seconds. */
    SECOND("sec");

    private final String symbol;

    TimeUnit(String symbol) {
        this.symbol = symbol;
    }

    /**
     * The count of this unit in {@code ts}; {@code sec} is whole seconds of {@code total_wct}.
     *
     * @throws ScheduleException for {@code dur}, which is not a counter
     */
    public long count(Timestamp ts) {
        return switch (this) {
            case ITERATION -> ts.iteration();
            case EPOCH -> ts.epoch();
            case BATCH -> ts.batch();
            case SAMPLE -> ts.sample();
            case TOKEN -> ts.token();
            case SECOND -> ts.totalWct().getSeconds();
            case DURATION -> throw new ScheduleException(
                    "A timestamp has no 'dur' counter; convert the time to a unit of the training duration first");
        };
    }

    /** The unit's suffix in time strings, e.g. {@code "ba"}. */
    public String symbol() {
        return symbol;
    }

    /**
     * The unit for a symbol or enum name, case-insensitive like Composer's {@code StringEnum}.
     *
     * @throws TimeFormatException if nothing matches
     */
    public static TimeUnit fromSymbol(String s) {
        for (TimeUnit u : values()) {
            if (u.symbol.equalsIgnoreCase(s) || u.name().equalsIgnoreCase(s)) {
                return u;
            }
        }
        throw new TimeFormatException("Unknown time unit '" + s + "'; allowed units: " + allowedSymbols());
    }

    /** All symbols joined for error messages: {@code iter, ep, ba, sp, tok, dur, sec}. */
    public static String allowedSymbols() {
        return Arrays.stream(values()).map(TimeUnit::symbol).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return symbol.toLowerCase(Locale.ROOT);
    }
}
