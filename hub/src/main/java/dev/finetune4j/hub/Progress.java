package dev.finetune4j.hub;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar per file on a terminal ({@code \r}-updated, at most 5 times a second); silent otherwise. */
final class Progress {

    private final PrintStream out;
    private final String name;
    private final long total;
    private long lastPrint;
    private boolean printed;

    private Progress(PrintStream out, String name, long total) {
        this.out = out;
        this.name = name.length() > 40 ? "…" + name.substring(name.length() - 39) : name;
        this.total = total;
    }

    /** A bar on standard error when {@code enabled}, else one that prints nothing. */
    static Progress start(boolean enabled, String name, long total) {
        return new Progress(enabled ? System.err : null, name, total);
    }

    void update(long done) {
        if (out == null) {
            return;
        }
        long now = System.nanoTime();
        if (printed && now - lastPrint < 200_000_000L) {
            return;
        }
        lastPrint = now;
        printed = true;
        out.print("\r" + line(done));
        out.flush();
    }

    void finish(long done) {
        if (out == null) {
            return;
        }
        out.print("\r" + line(done) + "\n");
        out.flush();
    }

    String line(long done) {
        if (total <= 0) {
            return String.format(Locale.ROOT, "%-40s %9s", name, mib(done));
        }
        int width = 24;
        int filled = (int) Math.min(width, done * width / total);
        return String.format(Locale.ROOT, "%-40s [%s%s] %3d%% %s/%s", name, "#".repeat(filled), " ".repeat(width - filled),
                done * 100 / total, mib(done), mib(total));
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1fMiB", bytes / 1048576.0);
    }
}
