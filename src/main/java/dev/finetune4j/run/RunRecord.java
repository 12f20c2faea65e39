package dev.finetune4j.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@code run.lock} says about a run: who runs it (pid, the process's start instant, host), since when, its last
 * heartbeat, and its progress (status, step, last loss, newest checkpoint, end time and reason). The lock holder
 * rewrites it in place while it runs; {@code finetune4j runs} reads it (see {@link RunLock}).
 *
 * @param status   {@code running}, {@code completed}, {@code failed}, {@code stopped} or {@code cancelled} as written
 *                 by the holder; {@link #effectiveStatus()} turns a dead holder's {@code running} into {@code failed}
 * @param pidStart the holder process's start instant (tells a reused pid from the holder), or null
 */
public record RunRecord(String runName, long pid, Instant pidStart, String host, Instant started, Instant heartbeat,
                        String status, long step, Double lastLoss, String checkpoint, Instant ended, String reason) {
    static final String RUNNING = "running";
    private static final ObjectMapper JSON = new ObjectMapper();

    RunRecord withHeartbeat(Instant t) {
        return new RunRecord(runName, pid, pidStart, host, started, t, status, step, lastLoss, checkpoint, ended,
                reason);
    }

    RunRecord withProgress(long newStep, Double loss) {
        return new RunRecord(runName, pid, pidStart, host, started, heartbeat, status, newStep, loss, checkpoint,
                ended, reason);
    }

    RunRecord withCheckpoint(String path) {
        return new RunRecord(runName, pid, pidStart, host, started, heartbeat, status, step, lastLoss, path, ended,
                reason);
    }

    RunRecord ended(String newStatus, String why, Instant at) {
        return new RunRecord(runName, pid, pidStart, host, started, at, newStatus, step, lastLoss, checkpoint, at, why);
    }

    /**
     * The status a reader should show: the recorded one, except that a {@code running} record whose process is gone
     * (same host, pid dead or reused) or whose heartbeat is older than {@link RunLock#STALE_AFTER} is {@code failed}.
     */
    public String effectiveStatus() {
        return RUNNING.equals(status) && !holderAlive(Instant.now()) ? "failed" : status;
    }

    /** Whether the process that wrote this record still runs it (see {@link #effectiveStatus()}). */
    boolean holderAlive(Instant now) {
        if (heartbeat == null || Duration.between(heartbeat, now).compareTo(RunLock.STALE_AFTER) > 0) {
            return false;
        }
        if (!RunLock.hostName().equals(host)) {
            return true; // another host with a fresh heartbeat: assume alive
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        Optional<Instant> s = p.get().info().startInstant();
        return pidStart == null || s.isEmpty() || Math.abs(Duration.between(s.get(), pidStart).toMillis()) < 2000;
    }

    String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("run_name", runName);
        o.put("pid", pid);
        o.put("pid_start", pidStart == null ? null : pidStart.toString());
        o.put("host", host);
        o.put("started", started.toString());
        o.put("heartbeat", heartbeat.toString());
        o.put("status", status);
        o.put("step", step);
        if (lastLoss == null || !Double.isFinite(lastLoss)) {
            o.putNull("last_loss");
        } else {
            o.put("last_loss", lastLoss);
        }
        o.put("checkpoint", checkpoint);
        o.put("ended", ended == null ? null : ended.toString());
        o.put("reason", reason);
        return o.toString();
    }

    static RunRecord fromJson(String text) throws IOException {
        JsonNode n = JSON.readTree(text);
        if (n == null || !n.isObject() || !n.hasNonNull("pid") || !n.hasNonNull("started")) {
            throw new IOException("not a run.lock record");
        }
        return new RunRecord(text(n, "run_name"), n.path("pid").asLong(), instant(n, "pid_start"), text(n, "host"),
                instant(n, "started"), instant(n, "heartbeat"), text(n, "status"), n.path("step").asLong(),
                n.hasNonNull("last_loss") ? n.get("last_loss").asDouble() : null, text(n, "checkpoint"),
                instant(n, "ended"), text(n, "reason"));
    }

    /**
     * The record in {@code runDir/run.lock}, if there is a readable one. The holder rewrites it in place, so a read
     * that catches a write half-done is retried a few times.
     */
    public static Optional<RunRecord> read(Path runDir) {
        Optional<RunRecord> here = RunLock.heldHere(runDir);
        if (here.isPresent()) {
            return here;
        }
        Path file = runDir.resolve(RunLock.FILE_NAME);
        for (int attempt = 0; ; attempt++) {
            try {
                if (Files.size(file) > RunLock.MAX_RECORD_BYTES) {
                    return Optional.empty(); // not one we wrote
                }
                byte[] b = Files.readAllBytes(file);
                String s = new String(b, StandardCharsets.UTF_8).trim();
                if (s.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(fromJson(s));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException | RuntimeException e) {
                if (attempt >= 5) {
                    return Optional.empty();
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
    }

    private static String text(JsonNode n, String k) {
        return n.hasNonNull(k) ? n.get(k).asText() : null;
    }

    private static Instant instant(JsonNode n, String k) {
        return n.hasNonNull(k) ? Instant.parse(n.get(k).asText()) : null;
    }
}
