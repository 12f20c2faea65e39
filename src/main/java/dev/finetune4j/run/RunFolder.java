package dev.finetune4j.run;

import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.checkpoint.hf.FolderSwap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Claims {@code experiment_path/run_name} for one run, never touching what is not the run's own: a missing or empty
 * folder is created; a folder with files that are not a finetune4j run is refused; an existing run is refused unless
 * {@code autoresume} continues it (refusals change nothing in the folder); then the folder's {@link RunLock} is taken
 * and the temporary files a killed earlier process of this run left (only the names the run itself creates) are
 * removed, each named in a note.
 */
public final class RunFolder {
    /** Files whose presence marks a folder as a finetune4j run. */
    private static final List<String> MARKERS = List.of(RunOutputs.RUN_YAML, RunLock.FILE_NAME, EventSink.FILE_NAME,
            MetricsSink.FILE_NAME, "checkpoints");
    private static final Pattern OWN_TEMPS = Pattern.compile("\\.(run\\.yaml|" + Pattern.quote(RunLock.CANCEL_FILE)
            + ")\\.\\d+\\.tmp");

    private RunFolder() {
    }

    /** Whether {@code dir} holds a finetune4j run (its run.yaml, run.lock, events, metrics or checkpoints). */
    public static boolean isRun(Path dir) {
        return MARKERS.stream().anyMatch(m -> Files.exists(dir.resolve(m)));
    }

    /**
     * Checks that the run folder may be used (creating it when missing); reads only.
     *
     * @throws RunFolderException when the folder cannot be used; nothing in it was changed
     */
    public static void check(Path runDir, boolean autoresume) {
        try {
            if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
                throw new RunFolderException("the run folder " + runDir + " exists and is not a folder; choose "
                        + "another experiment_path or run_name");
            }
            List<String> entries = entries(runDir);
            if (!entries.isEmpty()) {
                if (!isRun(runDir)) {
                    throw new RunFolderException("the run folder " + runDir + " is not empty (" + preview(entries)
                            + ") and is not a finetune4j run; nothing in it was touched. Choose another "
                            + "experiment_path or run_name");
                }
                Optional<RunRecord> record = RunRecord.read(runDir);
                if (!autoresume) {
                    if (record.isPresent() && RunRecord.RUNNING.equals(record.get().status())
                            && record.get().holderAlive(java.time.Instant.now())) {
                        RunRecord r = record.get();
                        throw new RunFolderException("run folder " + runDir + " is in use by pid " + r.pid()
                                + " on host " + r.host() + " (started " + r.started() + ")");
                    }
                    throw new RunFolderException("run folder " + runDir + " already holds a run"
                            + record.map(r -> " (" + r.effectiveStatus() + " at step " + r.step() + ")").orElse("")
                            + "; nothing in it was touched. Set autoresume: true to continue it, or choose another "
                            + "run_name");
                }
            }
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the run folder " + runDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Locks a checked run folder and removes the stale temporary files of an earlier process of this run.
     *
     * @param notes receives one line per note (stale lock taken over, stale temporary files removed)
     * @throws RunFolderException when another live process holds the folder
     */
    public static RunLock lock(Path runDir, String runName, Consumer<String> notes) {
        RunLock lock = RunLock.acquire(runDir, runName, notes);
        try {
            List<String> removed = new ArrayList<>();
            dev.finetune4j.checkpoint.AtomicFiles.removeMatching(runDir, OWN_TEMPS).forEach(removed::add);
            ComposerCheckpoints.removeStaleTemps(runDir.resolve("checkpoints"))
                    .forEach(n -> removed.add("checkpoints/" + n));
            FolderSwap.removeStaleTemps(runDir.resolve("huggingface")).forEach(n -> removed.add("huggingface/" + n));
            if (!removed.isEmpty()) {
                notes.accept("note: removed " + removed.size() + " temporary file(s) an interrupted earlier process of "
                        + "this run left in " + runDir + ": " + preview(removed));
            }
            return lock;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static List<String> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().limit(1000).toList();
        }
    }

    private static String preview(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + ", … (" + names.size() + " entries)";
    }
}
