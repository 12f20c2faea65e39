package dev.finetune4j.data.source;

import dev.finetune4j.data.Problem;
import java.nio.file.Path;
import java.util.List;

/**
 * One thing a reader produced: a parsed example, or the reasons a sample is invalid.
 *
 * @param file       the file it came from
 * @param line       1-based line (of the JSON object, or where a .txt problem was found); 0 = whole file
 * @param example    the example, null when {@code problems} is not empty
 * @param problems   reasons the sample is invalid (empty = valid)
 * @param endsSample whether this item completes a sample (false only for non-final pieces of a .txt document)
 */
public record ReadSample(Path file, long line, Example example, List<String> problems, boolean endsSample) {

    public ReadSample {
        problems = List.copyOf(problems);
    }

    /** Whether the sample is valid. */
    public boolean valid() {
        return problems.isEmpty();
    }

    /** The problems as {@code file:line: reason}. */
    public List<Problem> asProblems() {
        return problems.stream().map(p -> new Problem(file, line, p)).toList();
    }
}
