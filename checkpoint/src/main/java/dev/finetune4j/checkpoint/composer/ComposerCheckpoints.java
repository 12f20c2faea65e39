package dev.finetune4j.checkpoint.composer;

import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.checkpoint.CheckpointFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder of Composer checkpoints as the Trainer keeps it (docs/formats.md §3.5): files
 * {@code ep{epoch}-ba{batch}-rank0.pt}, a relative symlink {@code latest-rank0.pt} to the newest (replaced
 * atomically: a temporary link renamed over the old one), optional retention of the newest N, and remote-style
 * {@code *.symlink} text files.
 */
public final class ComposerCheckpoints {
    /** Composer's default {@code save_latest_filename} for rank 0. */
    public static final String LATEST = "latest-rank0.pt";
    private static final Pattern NAME = Pattern.compile("ep(\\d+)-ba(\\d+)-rank0\\.pt");

    private ComposerCheckpoints() {
    }

    /** {@code ep{epoch}-ba{batch}-rank0.pt}. */
    public static String fileName(long epoch, long batch) {
        return "ep" + epoch + "-ba" + batch + "-rank0.pt";
    }

    /**
     * Writes the checkpoint as {@code ep{E}-ba{B}-rank0.pt} (E and B from its timestamp), points
     * {@code latest-rank0.pt} at it and deletes all but the newest {@code keepNewest} checkpoints (-1 keeps all).
     */
    public static Path save(Path folder, ComposerCheckpoint checkpoint, int keepNewest) {
        Timestamp ts = checkpoint.timestamp() == null ? Timestamp.ZERO : checkpoint.timestamp();
        Path file = folder.resolve(fileName(ts.epoch(), ts.batch()));
        checkpoint.write(file);
        updateLatest(folder, file.getFileName().toString());
        if (keepNewest >= 0) {
            prune(folder, keepNewest);
        }
        return file;
    }

    /** Points {@code latest-rank0.pt} at {@code target} (relative to the folder) atomically. */
    public static void updateLatest(Path folder, String target) {
        Path link = folder.resolve(LATEST);
        Path tmp = folder.resolve("." + LATEST + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createSymbolicLink(tmp, Path.of(target));
            AtomicFiles.moveAtomically(tmp, link);
            AtomicFiles.fsyncDirectory(folder);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // our own temp link
            }
            throw new UncheckedIOException("cannot update " + link + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint {@code latest-rank0.pt} points to, if the link exists and resolves to a file. */
    public static Optional<Path> latest(Path folder) {
        Path link = folder.resolve(LATEST);
        if (Files.isSymbolicLink(link) || Files.isRegularFile(link)) {
            try {
                Path real = link.toRealPath();
                return Files.isRegularFile(real) ? Optional.of(real) : Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * The checkpoint {@code autoresume} continues from: {@code latest-rank0.pt} when it resolves to a checkpoint that
     * reads completely; otherwise (dangling, pointing to itself, a directory, a truncated or unreadable file) the
     * newest {@code ep*-ba*-rank0.pt} that reads completely, with a note naming what was wrong with latest. Empty
     * when the folder holds neither a latest link nor checkpoint files.
     *
     * @param notes receives one line when it falls back
     * @throws CheckpointFormatException when checkpoints exist but none reads completely (nothing is changed)
     */
    public static Optional<Path> resumePoint(Path folder, java.util.function.Consumer<String> notes) {
        Path link = folder.resolve(LATEST);
        boolean hasLink = Files.isSymbolicLink(link) || Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        List<Path> all = list(folder);
        if (!hasLink && all.isEmpty()) {
            return Optional.empty();
        }
        String latestProblem = hasLink ? problemOfLatest(link) : "it does not exist";
        if (latestProblem == null) {
            try {
                return Optional.of(link.toRealPath());
            } catch (IOException e) {
                latestProblem = "it does not resolve: " + e.getMessage();
            }
        }
        List<String> tried = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path p = all.get(i);
            String problem = problemOf(p);
            if (problem == null) {
                notes.accept("note: " + link + " is unusable (" + latestProblem + "); resuming from " + p
                        + ", the newest checkpoint that reads completely");
                return Optional.of(p);
            }
            tried.add(p.getFileName() + ": " + problem);
        }
        throw CheckpointFormatException.of(folder, "autoresume found no checkpoint that reads completely ("
                + LATEST + ": " + latestProblem + (tried.isEmpty() ? "" : "; " + String.join("; ", tried))
                + "); nothing was changed. Restore a checkpoint, or start afresh with another run_name");
    }

    /** Why {@code latest-rank0.pt} cannot be resumed from, or null when it can. */
    private static String problemOfLatest(Path link) {
        try {
            if (Files.isSymbolicLink(link)) {
                Path target = Files.readSymbolicLink(link);
                Path resolved = link.resolveSibling(target);
                if (resolved.normalize().equals(link.normalize())) {
                    return "it points to itself";
                }
                if (!Files.exists(resolved, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    return "it points to " + target + ", which does not exist";
                }
            }
            Path real = link.toRealPath();
            if (Files.isDirectory(real)) {
                return "it is a directory";
            }
            return problemOf(real);
        } catch (java.nio.file.FileSystemException e) {
            String reason = e.getReason() == null ? e.getMessage() : e.getReason();
            return reason.contains("symbolic links") ? "it points to itself (a symlink loop)" : reason;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** Why a checkpoint file does not read completely (model tensors and timestamp), or null when it does. */
    private static String problemOf(Path file) {
        if (!Files.isRegularFile(file)) {
            return Files.isDirectory(file) ? "it is a directory" : "not a regular file";
        }
        try {
            ComposerCheckpoint cp = ComposerCheckpoint.read(file);
            if (cp.timestamp() == null) {
                return "it holds no timestamp (weights-only)";
            }
            for (var t : cp.model().values()) {
                if (t.data().remaining() != t.byteSize()) {
                    return "a tensor is shorter than its shape";
                }
            }
            return null;
        } catch (RuntimeException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    /**
     * Removes this folder's temporary files of the names {@link #save} and {@link #updateLatest} create
     * ({@code .ep*-ba*-rank0.pt.<n>.tmp}, {@code .latest-rank0.pt.tmp-<pid>-<n>}), left by a killed process; for a
     * run that holds its folder's lock. Returns the names removed.
     */
    public static List<String> removeStaleTemps(Path folder) {
        return AtomicFiles.removeMatching(folder,
                Pattern.compile("\\.(ep\\d+-ba\\d+-rank0\\.pt\\.\\d+\\.tmp|latest-rank0\\.pt\\.tmp-\\d+-\\d+)"));
    }

    /** Checkpoint files in the folder, oldest first (by batch, then epoch). */
    public static List<Path> list(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p))
                    .forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparingLong((Path p) -> number(p, 2)).thenComparingLong(p -> number(p, 1)));
        return out;
    }

    private static long number(Path p, int group) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(group)) : -1;
    }

    /** Deletes all but the newest {@code keep} checkpoint files (never the one latest points to). */
    public static void prune(Path folder, int keep) {
        List<Path> all = list(folder);
        Optional<Path> latest = latest(folder);
        for (int i = 0; i < all.size() - keep; i++) {
            Path p = all.get(i);
            try {
                if (latest.isPresent() && p.toRealPath().equals(latest.get())) {
                    continue;
                }
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete old checkpoint " + p + ": " + e.getMessage(), e);
            }
        }
    }

    /** Writes a remote-style {@code *.symlink} text file whose content is the target path. */
    public static void writeSymlinkFile(Path symlinkFile, String target) {
        if (!symlinkFile.getFileName().toString().endsWith(".symlink")) {
            throw new IllegalArgumentException("a symlink file name must end with .symlink: " + symlinkFile);
        }
        AtomicFiles.writeString(symlinkFile, target);
    }

    /**
     * The path a {@code *.symlink} file names; a relative content is resolved against the file's folder, and a
     * remote URI ({@code s3://…}) is refused with a clear error.
     */
    public static Path resolveSymlinkFile(Path symlinkFile) {
        if (!Files.isRegularFile(symlinkFile)) {
            throw CheckpointFormatException.of(symlinkFile, "no such .symlink file");
        }
        String target = WeightsOnlyLoader.readText(symlinkFile);
        if (target.isEmpty()) {
            throw CheckpointFormatException.of(symlinkFile, "the .symlink file is empty");
        }
        if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") && !target.startsWith("file://")) {
            throw CheckpointFormatException.of(symlinkFile, "points to remote object '"
                    + (target.length() > 200 ? target.substring(0, 200) + "…" : target)
                    + "'; download it first (only local paths are supported)");
        }
        if (target.startsWith("file://")) {
            target = target.substring("file://".length());
        }
        Path t = Path.of(target);
        if (t.isAbsolute() || Files.exists(t)) {
            return t;
        }
        Path parent = symlinkFile.toAbsolutePath().getParent();
        Path sibling = parent.resolve(t);
        if (Files.exists(sibling)) {
            return sibling;
        }
        // Composer writes the remote path incl. the run folder: try the last component next to the symlink file
        return parent.resolve(t.getFileName());
    }
}
