package dev.finetune4j.checkpoint.hf;

import dev.finetune4j.checkpoint.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds a folder under a temporary sibling name and renames it into place, so readers never see a half-written
 * folder under the final name. An existing folder is moved aside first and deleted after the swap.
 */
public final class FolderSwap {
    /** Fills the temporary folder. */
    @FunctionalInterface
    public interface Filler {
        void fill(Path tempDir) throws IOException;
    }

    private FolderSwap() {
    }

    /** Creates {@code target} atomically from what {@code filler} writes into a temporary sibling folder. */
    public static void create(Path target, Filler filler) {
        Path abs = target.toAbsolutePath();
        Path parent = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
            filler.fill(tmp);
            AtomicFiles.fsyncDirectory(tmp);
            Path old = null;
            if (Files.exists(abs)) {
                old = parent.resolve("." + abs.getFileName() + ".old-" + System.nanoTime());
                Files.move(abs, old);
            }
            Files.move(tmp, abs, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            AtomicFiles.fsyncDirectory(parent);
            if (old != null) {
                AtomicFiles.deleteTree(old);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    AtomicFiles.deleteTree(tmp);
                } catch (IOException ignored) {
                    // our own temporary folder
                }
            }
        }
    }

    /**
     * Removes the temporary ({@code .<name>.tmp-<n>}) and moved-aside ({@code .<name>.old-<n>}) folders a killed
     * {@link #create} left in {@code parent}; for the owner of that folder. Returns the names removed.
     */
    public static java.util.List<String> removeStaleTemps(Path parent) {
        return AtomicFiles.removeMatching(parent, java.util.regex.Pattern.compile("\\..+\\.(tmp|old)-\\d+"));
    }
}
