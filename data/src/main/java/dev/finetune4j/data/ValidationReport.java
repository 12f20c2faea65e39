package dev.finetune4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What reading and validating the input found: how many samples were read, which were invalid and why
 * ({@code file:line: reason}), which valid ones were dropped because no trained token was left after truncation, and
 * notes (ignored files, blank lines). Only the first {@link #KEPT} entries of each list are kept; counts are exact.
 *
 * @param samples        samples read (chat lines, prompt/response lines, documents)
 * @param invalidSamples samples with at least one problem (each counted once)
 * @param problemCount   all problems found (a sample may have several)
 * @param problems       the first problems
 * @param droppedCount   valid samples dropped because nothing was left to train on (llm-foundry's filter, docs/training.md §4.5)
 * @param dropped        the first of those, with the reason
 * @param notes          things that were skipped but are not samples (blank lines, non-.txt files)
 */
public record ValidationReport(long samples, long invalidSamples, long problemCount, List<Problem> problems,
                               long droppedCount, List<Problem> dropped, List<Problem> notes) {

    /** How many entries of each list are kept. */
    public static final int KEPT = 1000;

    public ValidationReport {
        problems = List.copyOf(problems);
        dropped = List.copyOf(dropped);
        notes = List.copyOf(notes);
    }

    /** An empty report. */
    public static ValidationReport empty() {
        return new ValidationReport(0, 0, 0, List.of(), 0, List.of(), List.of());
    }

    /** Invalid samples as a percentage of samples read (0 when nothing was read). */
    public double invalidPercentage() {
        return samples == 0 ? 0 : 100.0 * invalidSamples / samples;
    }

    /** This report followed by another (train then eval). */
    public ValidationReport merge(ValidationReport other) {
        return new ValidationReport(samples + other.samples, invalidSamples + other.invalidSamples,
                problemCount + other.problemCount, cap(problems, other.problems), droppedCount + other.droppedCount,
                cap(dropped, other.dropped), cap(notes, other.notes));
    }

    private static List<Problem> cap(List<Problem> a, List<Problem> b) {
        List<Problem> out = new ArrayList<>(a);
        for (Problem p : b) {
            if (out.size() >= KEPT) {
                break;
            }
            out.add(p);
        }
        return out;
    }

    /** The first {@code max} problems, one per line, and how many more there are. */
    public String formatProblems(int max) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (Problem p : problems) {
            if (n++ >= max) {
                break;
            }
            sb.append("  ").append(p).append('\n');
        }
        long more = problemCount - Math.min(max, problems.size());
        if (more > 0) {
            sb.append("  … and ").append(more).append(" more problem(s)\n");
        }
        return sb.toString();
    }

    private static void list(StringBuilder sb, List<Problem> items, long total) {
        items.stream().limit(20).forEach(p -> sb.append("  ").append(p).append('\n'));
        if (total > 20) {
            sb.append("  … and ").append(total - 20).append(" more\n");
        }
    }

    /** A human-readable report: counts, problems, dropped samples and notes. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "samples read: %d, invalid: %d (%.2f%%), problems: %d, dropped (nothing to train after truncation): %d%n",
                samples, invalidSamples, invalidPercentage(), problemCount, droppedCount));
        if (problemCount > 0) {
            sb.append("problems:\n").append(formatProblems(50));
        }
        if (droppedCount > 0) {
            sb.append("dropped:\n");
            list(sb, dropped, droppedCount);
        }
        if (!notes.isEmpty()) {
            sb.append("notes:\n");
            list(sb, notes, notes.size());
        }
        return sb.toString();
    }
}
