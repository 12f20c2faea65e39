package dev.finetune4j.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Crash-safe writes: the content goes to a temporary name in the target's folder, is fsynced, and is then renamed
 * over the final name (an atomic replace on POSIX), followed by an fsync of the folder. A crash therefore leaves
 * either the old file or the complete new one under the final name, never a truncated one.
 */
public final class AtomicFiles {

    /** Writes the body of a file through a channel positioned at 0. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel channel) throws IOException;
    }

    private static final int CHUNK = 8 << 20;

    private AtomicFiles() {
    }

    /** Writes {@code target} atomically with the given body. */
    public static void write(Path target, Body body) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            moveAtomically(tmp, abs);
            tmp = null;
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort clean-up of our own temp file
                }
            }
        }
    }

    /** Writes bytes to {@code target} atomically. */
    public static void write(Path target, byte[] bytes) {
        write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    /** Writes UTF-8 text to {@code target} atomically. */
    public static void writeString(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes the remaining bytes of {@code buf} (loops over short writes). */
    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        if (buf.isDirect() || buf.remaining() <= CHUNK) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            return;
        }
        // heap buffers go through a JDK temporary direct buffer of the written size: keep it small
        ByteBuffer b = buf.duplicate();
        int end = b.limit();
        while (b.position() < end) {
            b.limit(Math.min(end, b.position() + CHUNK));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        buf.position(end);
    }

    /** Renames {@code from} to {@code to}, replacing it, atomically. */
    public static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** fsyncs a folder so that a rename inside it is durable (ignored where the platform refuses). */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // some file systems cannot open folders for reading; the rename itself is still atomic
        }
    }

    /** fsyncs a regular file's content (e.g. after a copy that is published by a later rename). */
    public static void fsyncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Deletes a file tree if it exists (used for our own temporary folders). */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Deletes the entries of {@code folder} (files or folder trees, not followed through links) whose whole name
     * matches {@code ownTempNames}: for a writer's own stale temporaries, named so nothing else can match.
     *
     * @return the names removed (empty when the folder does not exist)
     */
    public static java.util.List<String> removeMatching(Path folder, java.util.regex.Pattern ownTempNames) {
        java.util.List<String> removed = new java.util.ArrayList<>();
        if (!Files.isDirectory(folder, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return removed;
        }
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (ownTempNames.matcher(name).matches()) {
                    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        deleteTree(p);
                    } else {
                        Files.deleteIfExists(p);
                    }
                    removed.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove stale temporary files in " + folder + ": " + e.getMessage(), e);
        }
        return removed;
    }
}
