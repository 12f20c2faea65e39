package dev.finetune4j.data;

import java.nio.file.Path;

/**
 * One problem with the input data, printed as {@code file:line: reason} (line 0 = the file as a whole).
 *
 * @param file   the input file (or folder)
 * @param line   1-based line (JSONL), 0 when the problem concerns the whole file
 * @param reason what is wrong and what is allowed
 */
public record Problem(Path file, long line, String reason) {

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ": " + reason : file + ": " + reason;
    }
}
