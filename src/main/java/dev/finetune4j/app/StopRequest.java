package dev.finetune4j.app;

import java.util.function.BooleanSupplier;

/**
 * Why a run should stop early: a stop request (Ctrl-C, SIGTERM, {@link FineTuneRun#requestStop()}) or a cancel
 * request ({@code finetune4j cancel}, {@link FineTuneRun#cancel()}). Every phase polls it: data preparation between
 * records, training between steps, evaluation between batches.
 */
record StopRequest(BooleanSupplier stop, BooleanSupplier cancel) implements BooleanSupplier {
    @Override
    public boolean getAsBoolean() {
        return stop.getAsBoolean() || cancel.getAsBoolean();
    }

    /** {@code cancelled} or {@code stopped}. */
    String reason() {
        return cancel.getAsBoolean() ? "cancelled" : "stopped";
    }
}
