package dev.finetune4j.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The huggingface_hub cache layout (docs/hub.md "Cache layout"):
 * <pre>
 * HF_HUB_CACHE/models--org--name/
 *   refs/main                      the commit sha the revision pointed at (no newline)
 *   blobs/&lt;etag&gt;                   file contents, named by git-sha1 or sha256 (LFS)
 *   blobs/&lt;etag&gt;.incomplete        a partial download, resumed with Range
 *   snapshots/&lt;commit&gt;/&lt;file&gt;      relative symlinks into ../../blobs
 * HF_HUB_CACHE/.locks/models--org--name/&lt;etag&gt;.lock
 * </pre>
 */
public final class HubCache {

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private final Path root;

    public HubCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The cache folder. */
    public Path root() {
        return root;
    }

    /** {@code models--org--name}. */
    public Path repoFolder(RepoRef repo) {
        return root.resolve(repo.cacheFolderName());
    }

    /** {@code blobs/<etag>}. */
    public Path blob(RepoRef repo, String etag) {
        if (!RepoPaths.safeEtag(etag)) {
            throw new HubException(HubException.Reason.NETWORK, "the Hub sent an unusable ETag '" + etag + "' for " + repo);
        }
        return repoFolder(repo).resolve("blobs").resolve(etag);
    }

    /** {@code snapshots/<commit>}. */
    public Path snapshot(RepoRef repo, String commit) {
        if (!RepoRef.isCommit(commit)) {
            throw new HubException(HubException.Reason.NETWORK, "the Hub sent an unusable commit '" + commit + "' for " + repo);
        }
        return repoFolder(repo).resolve("snapshots").resolve(commit);
    }

    /** {@code snapshots/<commit>/<file>}. */
    public Path pointer(RepoRef repo, String commit, String file) {
        return snapshot(repo, commit).resolve(RepoPaths.checkRelative(file, repo.id()));
    }

    /** The commit a revision resolves to from the cache alone: itself when it is a sha, else {@code refs/<rev>}. */
    public Optional<String> cachedCommit(RepoRef repo) {
        if (repo.pinned()) {
            return Optional.of(repo.revision());
        }
        Path ref = repoFolder(repo).resolve("refs").resolve(repo.revision());
        try {
            if (!Files.isRegularFile(ref) || Files.size(ref) > 256) {
                return Optional.empty();
            }
            String sha = Files.readString(ref, StandardCharsets.UTF_8).strip();
            return RepoRef.isCommit(sha) ? Optional.of(sha) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records {@code refs/<revision>} = commit when the revision is a branch or tag (atomically replaced). */
    public void writeRef(RepoRef repo, String commit) {
        if (repo.revision().equals(commit)) {
            return;
        }
        Path ref = repoFolder(repo).resolve("refs").resolve(repo.revision());
        try {
            if (cachedCommit(repo).filter(commit::equals).isPresent()) {
                return;
            }
            Files.createDirectories(ref.getParent());
            Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + ref + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes {@code pointer} a relative symlink to {@code blob} (a copy where the file system has no symlinks).
     * An existing pointer is left alone.
     */
    public void link(Path blob, Path pointer) throws IOException {
        Files.createDirectories(pointer.getParent());
        if (Files.exists(pointer, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path target = pointer.getParent().relativize(blob);
        try {
            Files.createSymbolicLink(pointer, target);
        } catch (FileAlreadyExistsException e) {
            // another process linked it first: same content by construction
        } catch (UnsupportedOperationException | IOException e) {
            if (Files.exists(pointer, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Path tmp = Files.createTempFile(pointer.getParent(), ".copy", ".tmp");
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, pointer, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /**
     * Holds the lock of one blob: {@code .locks/<repo folder>/<etag>.lock}, an OS file lock (other processes) plus an
     * in-process lock (other threads: OS locks are per process).
     */
    public BlobLock lock(RepoRef repo, String etag) throws IOException {
        Path file = root.resolve(".locks").resolve(repo.cacheFolderName()).resolve(etag + ".lock");
        Files.createDirectories(file.getParent());
        ReentrantLock local = IN_PROCESS.computeIfAbsent(file, f -> new ReentrantLock());
        local.lock();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock os = ch.lock();
            return new BlobLock(local, ch, os);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            local.unlock();
            throw e;
        }
    }

    /** A held blob lock; closing releases it (the lock file stays, as huggingface_hub leaves it). */
    public static final class BlobLock implements AutoCloseable {
        private final ReentrantLock local;
        private final FileChannel channel;
        private final FileLock os;

        private BlobLock(ReentrantLock local, FileChannel channel, FileLock os) {
            this.local = local;
            this.channel = channel;
            this.os = os;
        }

        @Override
        public void close() throws IOException {
            try {
                os.release();
                channel.close();
            } finally {
                local.unlock();
            }
        }
    }
}
