package dev.finetune4j.run;

import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.engine.event.RunListener;
import dev.finetune4j.engine.event.EventType;
import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunEvent;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The run folder's lock and status file, {@code run.lock}: one process at a time trains in a run folder. The holder
 * keeps an OS file lock on it (released by the OS when the process dies, even by kill -9) and a {@link RunRecord} in
 * it — pid, host, start time and a heartbeat rewritten every {@link #HEARTBEAT} — plus the run's progress, so
 * {@code finetune4j runs} can show status, step and loss from another process, and a crashed run (dead pid on this
 * host, or a heartbeat older than {@link #STALE_AFTER}) as failed.
 *
 * <p>The same heartbeat thread polls for {@code cancel.request} (written by {@code finetune4j cancel RUN_DIR}) so a
 * run started from the CLI or the Java API stops, with reason {@code cancelled}, after its current step.
 *
 * <p>A second process finds the OS lock taken and is refused with the holder's pid and host. A lock left by a dead
 * process on this host is taken over with a note; a record from another host with a fresh heartbeat (a shared file
 * system whose locks do not reach across hosts) refuses too.
 */
public final class RunLock implements RunListener, Closeable {
    /** The lock and status file in the run folder. */
    public static final String FILE_NAME = "run.lock";
    /** Written into a run folder by {@code finetune4j cancel}; the holder stops after its current step. */
    public static final String CANCEL_FILE = "cancel.request";
    /** How often the holder rewrites its heartbeat. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(5);
    /** A running record whose heartbeat is older than this belongs to a dead run. */
    public static final Duration STALE_AFTER = Duration.ofSeconds(60);
    static final int MAX_RECORD_BYTES = 64 * 1024;
    private static final int PADDED = 4096;
    private static final long CANCEL_POLL_MS = 250;
    private static volatile String host;
    private static final java.util.Map<Path, RunLock> HELD = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path runDir;
    private final FileChannel channel;
    private final FileLock lock;
    private final ScheduledExecutorService beat;
    private volatile boolean cancelRequested;
    private RunRecord record;

    private RunLock(Path runDir, FileChannel channel, FileLock lock, RunRecord record) {
        this.runDir = runDir;
        this.channel = channel;
        this.lock = lock;
        this.record = record;
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "finetune4j-heartbeat-" + runDir.getFileName());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Takes the lock of {@code runDir} (which must exist) and starts the heartbeat.
     *
     * @param notes receives one line when a stale lock is taken over
     * @throws RunFolderException when another live process holds it
     */
    public static RunLock acquire(Path runDir, String runName, Consumer<String> notes) {
        Path file = runDir.resolve(FILE_NAME);
        if (HELD.containsKey(key(runDir))) { // held in this process: do not even open the file (see readThrough)
            throw inUse(runDir, heldHere(runDir));
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this JVM (another FineTuneRun on the same folder)
            }
            if (l == null) {
                throw inUse(runDir, RunRecord.read(runDir));
            }
            // read through the locked channel: opening and closing another descriptor on the file would drop the
            // process's POSIX lock on it
            Optional<RunRecord> previous = readThrough(ch);
            Instant now = Instant.now();
            if (previous.isPresent() && RunRecord.RUNNING.equals(previous.get().status())) {
                RunRecord p = previous.get();
                if (!hostName().equals(p.host()) && p.holderAlive(now)) {
                    l.release();
                    throw inUse(runDir, previous);
                }
                notes.accept("note: taking over the stale lock of " + runDir + " left by pid " + p.pid() + " on "
                        + p.host() + " (started " + p.started() + ", last heartbeat " + p.heartbeat()
                        + "); that process is gone");
            }
            ProcessHandle self = ProcessHandle.current();
            RunRecord r = new RunRecord(runName, self.pid(), self.info().startInstant().orElse(null), hostName(), now,
                    now, RunRecord.RUNNING, previous.map(RunRecord::step).orElse(0L),
                    previous.map(RunRecord::lastLoss).orElse(null), previous.map(RunRecord::checkpoint).orElse(null),
                    null, null);
            RunLock lock = new RunLock(runDir, ch, l, r);
            HELD.put(key(runDir), lock);
            Files.deleteIfExists(runDir.resolve(CANCEL_FILE)); // a request aimed at an earlier process of this run
            lock.write();
            lock.beat.scheduleWithFixedDelay(lock::tick, CANCEL_POLL_MS, CANCEL_POLL_MS, TimeUnit.MILLISECONDS);
            return lock;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot lock the run folder " + runDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Optional<RunRecord> readThrough(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size == 0 || size > MAX_RECORD_BYTES) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
            // read it all
        }
        try {
            String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(RunRecord.fromJson(text));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // not a record we can read: nothing to take over
        }
    }

    /**
     * The record of a run folder this process holds, from memory: readers in the holder's process must not open the
     * file (closing a descriptor drops the process's lock on it).
     */
    static Optional<RunRecord> heldHere(Path runDir) {
        RunLock l = HELD.get(key(runDir));
        return l == null ? Optional.empty() : Optional.of(l.record());
    }

    private static Path key(Path runDir) {
        return runDir.toAbsolutePath().normalize();
    }

    private static RunFolderException inUse(Path runDir, Optional<RunRecord> holder) {
        return new RunFolderException("run folder " + runDir + " is in use by " + holder.map(h -> "pid " + h.pid()
                + " on host " + h.host() + " (started " + h.started() + ", last heartbeat " + h.heartbeat() + ")")
                .orElse("another process") + "; wait for it to end, cancel it (finetune4j cancel " + runDir
                + "), or choose another run_name");
    }

    /** Asks the run in {@code runDir} to stop after its current step (for {@code finetune4j cancel}). */
    public static void requestCancel(Path runDir) {
        AtomicFiles.writeString(runDir.resolve(CANCEL_FILE), Instant.now() + " pid " + ProcessHandle.current().pid()
                + " on " + hostName() + "\n");
    }

    /** Whether {@code finetune4j cancel} asked this run to stop. */
    public boolean cancelRequested() {
        return cancelRequested;
    }

    private long lastBeat = System.nanoTime();

    private synchronized void tick() {
        try {
            if (!cancelRequested && Files.exists(runDir.resolve(CANCEL_FILE))) {
                cancelRequested = true;
            }
            if (System.nanoTime() - lastBeat >= HEARTBEAT.toNanos() && channel.isOpen()) {
                lastBeat = System.nanoTime();
                record = record.withHeartbeat(Instant.now());
                write();
            }
        } catch (IOException | RuntimeException e) {
            // a missed heartbeat is retried at the next tick; readers allow STALE_AFTER
        }
    }

    /** The current record (what {@code run.lock} holds). */
    public synchronized RunRecord record() {
        return record;
    }

    @Override
    public synchronized void onMetrics(Metrics m) {
        Double loss = m.values().get("loss");
        if (loss != null) {
            record = record.withProgress(m.step(), loss);
        }
    }

    @Override
    public synchronized void onEvent(RunEvent e) {
        if (e.type() == EventType.CHECKPOINT_SAVED && "composer".equals(e.fields().get("kind"))) {
            record = record.withCheckpoint(String.valueOf(e.fields().get("path")));
        } else if (e.type() == EventType.COMPLETED) {
            String reason = String.valueOf(e.fields().get("reason"));
            String status = switch (reason) {
                case "stopped", "cancelled" -> reason;
                default -> "completed";
            };
            record = record.withProgress(Math.max(record.step(), e.step()), record.lastLoss())
                    .ended(status, reason, e.time());
        } else if (e.type() == EventType.FAILED) {
            record = record.ended("failed", String.valueOf(e.fields().get("reason")), e.time());
        } else {
            return;
        }
        try {
            write();
        } catch (IOException ex) {
            // the next heartbeat or close writes it again
        }
    }

    /** Rewrites the record in place, padded to a fixed size so a reader never sees a shorter, mixed file. */
    private synchronized void write() throws IOException {
        byte[] json = record.toJson().getBytes(StandardCharsets.UTF_8);
        byte[] out = json;
        if (json.length < PADDED) {
            out = Arrays.copyOf(json, PADDED);
            Arrays.fill(out, json.length, PADDED - 1, (byte) ' ');
            out[PADDED - 1] = '\n';
        }
        ByteBuffer b = ByteBuffer.wrap(out);
        long pos = 0;
        while (b.hasRemaining()) {
            pos += channel.write(b, pos);
        }
        if (channel.size() > out.length) {
            channel.truncate(out.length);
        }
    }

    /**
     * Stops the heartbeat, writes the final record (a run that never reported its end is recorded as failed) and
     * releases the lock.
     */
    @Override
    public synchronized void close() {
        beat.shutdownNow();
        if (!channel.isOpen()) {
            return;
        }
        HELD.remove(key(runDir), this);
        try {
            if (RunRecord.RUNNING.equals(record.status())) {
                record = record.ended("failed", "the run ended without reporting a result", Instant.now());
            }
            write();
            channel.force(true);
        } catch (IOException e) {
            // the OS lock still goes away with the channel
        } finally {
            try {
                lock.release();
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            closeQuietly(channel);
        }
    }

    /** This host's name (HOSTNAME, the kernel's host name, or the resolver's), cached. */
    public static String hostName() {
        String h = host;
        if (h == null) {
            h = System.getenv("HOSTNAME");
            if (h == null || h.isBlank()) {
                try {
                    h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
                } catch (IOException | RuntimeException e) {
                    h = null;
                }
            }
            if (h == null || h.isBlank()) {
                try {
                    h = InetAddress.getLocalHost().getHostName();
                } catch (IOException e) {
                    h = "localhost";
                }
            }
            host = h.toLowerCase(Locale.ROOT);
            h = host;
        }
        return h;
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing was written through it
            }
        }
    }
}
