package dev.finetune4j.run;

import dev.finetune4j.config.ProgressMode;
import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunEvent;
import dev.finetune4j.engine.event.RunListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows training progress: on a terminal a one-line bar redrawn with {@code \r}
 * ({@code step 120 45.0% [#########-----------] loss 1.2345 lr 1.00e-05 1234 tok/s ETA 3m12s}); otherwise the same
 * line as a log line every {@code logEvery} of wall-clock time or every {@code logEverySteps} steps, whichever
 * comes first. Reads {@link Metrics#LOSS}, {@link Metrics#LR}, {@link Metrics#TOKENS_PER_SEC} and
 * {@link Metrics#ELAPSED_FRACTION}; ETA = time since training_started × (1 − f) / f.
 */
public final class ProgressReporter implements RunListener {
    private static final int BAR_WIDTH = 20;

    private final PrintStream out;
    private final boolean bar;
    private final boolean silent;
    private final long logEveryNanos;
    private final long logEverySteps;
    private final LongSupplier nanoClock;
    private long startNanos = Long.MIN_VALUE;
    private long lastLogNanos = Long.MIN_VALUE;
    private int lastWidth;
    private boolean lineOpen;

    ProgressReporter(PrintStream out, boolean bar, boolean silent, Duration logEvery, long logEverySteps,
                     LongSupplier nanoClock) {
        if (logEverySteps < 1) {
            throw new IllegalArgumentException("logEverySteps must be >= 1, got " + logEverySteps);
        }
        this.out = out;
        this.bar = bar;
        this.silent = silent;
        this.logEveryNanos = logEvery.toNanos();
        this.logEverySteps = logEverySteps;
        this.nanoClock = nanoClock;
    }

    /**
     * A reporter for {@code mode}: AUTO draws the bar when {@code System.console() != null}, else logs lines.
     *
     * @param logEvery      the longest pause between log lines (log mode)
     * @param logEverySteps also log every this many steps (log mode)
     */
    public static ProgressReporter create(ProgressMode mode, PrintStream out, Duration logEvery, long logEverySteps) {
        boolean terminal = System.console() != null;
        boolean bar = mode == ProgressMode.BAR || (mode == ProgressMode.AUTO && terminal);
        return new ProgressReporter(out, bar, mode == ProgressMode.NONE, logEvery, logEverySteps, System::nanoTime);
    }

    /** Whether this reporter redraws one line rather than printing log lines. */
    public boolean drawsBar() {
        return bar;
    }

    @Override
    public synchronized void onEvent(RunEvent event) {
        if (silent) {
            return;
        }
        switch (event.type()) {
            case TRAINING_STARTED -> startNanos = nanoClock.getAsLong();
            case EVAL -> println("eval at step " + event.step() + " " + event.fields());
            case CHECKPOINT_SAVED -> println("checkpoint at step " + event.step() + ": "
                    + event.fields().getOrDefault("path", ""));
            case COMPLETED -> println("training completed at step " + event.step());
            // the reason reaches the user through the exception (CLI: one "error:" line); events.jsonl keeps it too
            case FAILED -> println("training failed at step " + event.step());
            default -> {
            }
        }
    }

    @Override
    public synchronized void onMetrics(Metrics m) {
        if (silent || !m.values().containsKey(Metrics.LOSS)) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (startNanos == Long.MIN_VALUE) {
            startNanos = now;
        }
        String line = formatLine(m, (now - startNanos) / 1e9, bar);
        if (bar) {
            String padded = line.length() < lastWidth ? line + " ".repeat(lastWidth - line.length()) : line;
            out.print("\r" + padded);
            out.flush();
            lastWidth = line.length();
            lineOpen = true;
        } else if (lastLogNanos == Long.MIN_VALUE || now - lastLogNanos >= logEveryNanos
                || m.step() % logEverySteps == 0) {
            out.println(line);
            lastLogNanos = now;
        }
    }

    private void println(String s) {
        if (lineOpen) {
            out.println();
            lineOpen = false;
            lastWidth = 0;
        }
        out.println(s);
        out.flush();
    }

    /** The progress line for {@code m} after {@code elapsedSeconds} of training. */
    static String formatLine(Metrics m, double elapsedSeconds, boolean withBar) {
        StringBuilder sb = new StringBuilder("step ").append(m.step());
        double f = m.get(Metrics.ELAPSED_FRACTION);
        if (!Double.isNaN(f)) {
            double c = Math.max(0, Math.min(1, f));
            sb.append(String.format(Locale.ROOT, " %5.1f%%", 100 * c));
            if (withBar) {
                int filled = (int) Math.round(c * BAR_WIDTH);
                sb.append(" [").append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append(']');
            }
        }
        sb.append(String.format(Locale.ROOT, " loss %.4f", m.get(Metrics.LOSS)));
        double lr = m.get(Metrics.LR);
        if (!Double.isNaN(lr)) {
            sb.append(String.format(Locale.ROOT, " lr %.2e", lr));
        }
        double tps = m.get(Metrics.TOKENS_PER_SEC);
        if (!Double.isNaN(tps)) {
            sb.append(String.format(Locale.ROOT, " %.0f tok/s", tps));
        }
        if (!Double.isNaN(f)) {
            sb.append(" ETA ").append(f > 0 ? formatDuration(elapsedSeconds * (1 - Math.min(1, f)) / f) : "?");
        }
        return sb.toString();
    }

    /** {@code 1h02m03s}, {@code 3m12s}, {@code 45s}. */
    static String formatDuration(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        long h = s / 3600;
        long min = (s % 3600) / 60;
        long sec = s % 60;
        if (h > 0) {
            return String.format(Locale.ROOT, "%dh%02dm%02ds", h, min, sec);
        }
        return min > 0 ? String.format(Locale.ROOT, "%dm%02ds", min, sec) : sec + "s";
    }
}
