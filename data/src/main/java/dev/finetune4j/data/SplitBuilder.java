package dev.finetune4j.data;

import dev.finetune4j.data.encode.EncodeResult;
import dev.finetune4j.data.encode.EncodedExample;
import dev.finetune4j.data.source.ReadSample;
import dev.finetune4j.data.source.TextChunk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Collects encoded samples in input order: right-truncates examples to the context length and drops those left
 * without a trained token (docs/training.md §4.5); for continued pretraining concatenates documents with EOS and
 * cuts context-length windows, dropping the final shorter remainder (docs/training.md §4.4). Counts
 * every invalid and dropped sample for the report.
 */
final class SplitBuilder {

    /** A document longer than this many tokens is committed to windows before its end is seen. */
    private static final int MAX_PENDING_TOKENS = 1 << 24;
    private final int contextLength;
    private final OptionalInt eos;
    private final CorpusWriter out;
    private final IntList originalLengths = new IntList();
    private final List<Problem> problems = new ArrayList<>();
    private final List<Problem> dropped = new ArrayList<>();
    private final IntList window = new IntList();
    private final IntList pendingDoc = new IntList();
    private long samples;
    private long invalid;
    private long problemCount;
    private long droppedCount;
    private Path lastFile;

    SplitBuilder(int contextLength, OptionalInt eos, CorpusWriter out) {
        this.contextLength = contextLength;
        this.eos = eos;
        this.out = out;
    }

    /** Takes the next sample and its encoding (null when the sample was invalid already). */
    void accept(ReadSample sample, EncodeResult result) throws IOException {
        lastFile = sample.file();
        if (!sample.valid()) {
            pendingDoc.clear();
            countInvalid(sample.asProblems());
            return;
        }
        if (result.invalid() != null) {
            pendingDoc.clear();
            countInvalid(List.of(new Problem(sample.file(), sample.line(), result.invalid())));
        } else if (result.dropped() != null) {
            samples++;
            drop(new Problem(sample.file(), sample.line(), result.dropped()));
        } else if (result.example() != null) {
            samples++;
            addExample(sample, result.example());
        } else {
            addChunk(result.chunk(), result.chunkIds());
        }
    }

    private void countInvalid(List<Problem> ps) {
        samples++;
        invalid++;
        problemCount += ps.size();
        for (Problem p : ps) {
            if (problems.size() < ValidationReport.KEPT) {
                problems.add(p);
            }
        }
    }

    private void drop(Problem p) {
        droppedCount++;
        if (dropped.size() < ValidationReport.KEPT) {
            dropped.add(p);
        }
    }

    private void addExample(ReadSample sample, EncodedExample e) throws IOException {
        int len = e.length();
        int kept = Math.min(len, contextLength); // right-truncation keeps the beginning (docs/training.md §4.5)
        int trained = 0;
        for (int t = 1; t < kept; t++) {
            if (e.labels()[t] != Batch.IGNORE_INDEX) {
                trained++;
            }
        }
        if (trained == 0) {
            drop(new Problem(sample.file(), sample.line(), len > contextLength
                    ? "no trained token left after truncating " + len + " tokens to context_length " + contextLength
                    : "no trained token (check target_prompts / target_responses)"));
            return;
        }
        int[] ids = len > kept ? java.util.Arrays.copyOf(e.inputIds(), kept) : e.inputIds();
        int[] labels = len > kept ? java.util.Arrays.copyOf(e.labels(), kept) : e.labels();
        out.add(ids, labels);
        originalLengths.add(len);
    }

    private void addChunk(TextChunk chunk, int[] ids) throws IOException {
        if (chunk.first()) {
            pendingDoc.clear();
        }
        pendingDoc.addAll(ids);
        if (chunk.last()) {
            samples++;
            if (eos.isPresent()) {
                pendingDoc.add(eos.getAsInt()); // docs/training.md §4.4: buffer += tokens + eos per document
            }
        }
        if (chunk.last() || pendingDoc.size() > MAX_PENDING_TOKENS) {
            for (int i = 0; i < pendingDoc.size(); i++) {
                window.add(pendingDoc.get(i));
            }
            pendingDoc.clear();
            while (window.size() >= contextLength) {
                int[] ids2 = window.slice(0, contextLength);
                out.add(ids2, ids2); // labels = input ids; the model shifts
                originalLengths.add(contextLength);
                window.dropFirst(contextLength);
            }
        }
    }

    /** Finishes the split. */
    EncodedSource finish(List<Path> files, List<Problem> notes) throws IOException {
        List<Problem> allNotes = new ArrayList<>(notes);
        if (window.size() > 0) {
            allNotes.add(new Problem(lastFile, 0, "the final " + window.size() + " tokens are shorter than context_length "
                    + contextLength + " and are not trained (as llm-foundry's ConcatTokensDataset drops its remainder)"));
        }
        ValidationReport report = new ValidationReport(samples, invalid, problemCount, problems, droppedCount, dropped,
                allNotes.size() > ValidationReport.KEPT ? allNotes.subList(0, ValidationReport.KEPT) : allNotes);
        return new EncodedSource(files, out.finish(), originalLengths.toArray(), report);
    }
}
