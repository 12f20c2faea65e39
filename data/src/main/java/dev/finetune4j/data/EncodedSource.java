package dev.finetune4j.data;

import java.nio.file.Path;
import java.util.List;

/**
 * One data path after reading, validating and encoding: the corpus of kept examples, each example's length before
 * truncation, and the validation report. This is what the token cache stores.
 *
 * @param files           the files read
 * @param corpus          kept examples (truncated to the context length)
 * @param originalLengths tokens of each kept example before truncation
 * @param report          what validation found
 */
public record EncodedSource(List<Path> files, TokenCorpus corpus, int[] originalLengths, ValidationReport report) {
}
