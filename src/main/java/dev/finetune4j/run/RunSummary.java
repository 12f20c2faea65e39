package dev.finetune4j.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One line of {@code finetune4j runs}: a run folder's name, status ({@code running}, {@code completed},
 * {@code failed}, {@code stopped}, {@code cancelled}), step, last loss, start and end, and newest checkpoint, read
 * from its {@code run.lock} record (a crashed run shows as failed, see {@link RunRecord#effectiveStatus()}); for a
 * folder written before run.lock existed, from the last line of its events.jsonl.
 */
public record RunSummary(String name, Path dir, String status, long step, Double lastLoss, Instant started,
                         Instant ended, String checkpoint, Long pid, String host) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TAIL_BYTES = 64 * 1024;

    /** The runs under {@code experimentPath} (folders that are finetune4j runs), by start time then name. */
    public static List<RunSummary> list(Path experimentPath) throws IOException {
        List<RunSummary> out = new ArrayList<>();
        if (!Files.isDirectory(experimentPath)) {
            return out;
        }
        try (Stream<Path> s = Files.list(experimentPath)) {
            for (Path d : s.filter(Files::isDirectory).sorted().toList()) {
                if (RunFolder.isRun(d)) {
                    out.add(of(d));
                }
            }
        }
        out.sort(java.util.Comparator.comparing((RunSummary r) -> r.started() == null ? Instant.EPOCH : r.started())
                .thenComparing(RunSummary::name));
        return out;
    }

    /** The summary of one run folder. */
    public static RunSummary of(Path runDir) {
        String name = runDir.getFileName().toString();
        Optional<RunRecord> rec = RunRecord.read(runDir);
        String checkpoint = ComposerCheckpoints.latest(runDir.resolve("checkpoints")).map(Path::toString)
                .orElse(rec.map(RunRecord::checkpoint).orElse(null));
        if (rec.isPresent()) {
            RunRecord r = rec.get();
            return new RunSummary(r.runName() == null ? name : r.runName(), runDir, r.effectiveStatus(), r.step(),
                    r.lastLoss(), r.started(), r.ended(), checkpoint, r.pid(), r.host());
        }
        JsonNode last = lastJson(runDir.resolve(EventSink.FILE_NAME));
        JsonNode metrics = lastJson(runDir.resolve(MetricsSink.FILE_NAME));
        String status = "failed"; // no lock record and no end event: the process is gone
        Instant ended = null;
        if (last != null && "completed".equals(last.path("event").asText())) {
            String reason = last.path("reason").asText();
            status = reason.equals("stopped") || reason.equals("cancelled") ? reason : "completed";
            ended = Instant.parse(last.path("time").asText());
        }
        return new RunSummary(name, runDir, status, metrics == null ? 0 : metrics.path("step").asLong(),
                metrics != null && metrics.path("loss").isNumber() ? metrics.path("loss").asDouble() : null, null,
                ended, checkpoint, null, null);
    }

    /** As a JSON-friendly map (for {@code runs --json}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("dir", dir.toString());
        m.put("status", status);
        m.put("step", step);
        m.put("last_loss", lastLoss);
        m.put("started", started == null ? null : started.toString());
        m.put("ended", ended == null ? null : ended.toString());
        m.put("checkpoint", checkpoint);
        m.put("pid", pid);
        m.put("host", host);
        return m;
    }

    /** The last complete JSON line of a JSON-lines file (reads only its tail), or null. */
    static JsonNode lastJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int n = (int) Math.min(len, TAIL_BYTES);
            byte[] b = new byte[n];
            f.seek(len - n);
            f.readFully(b);
            String[] lines = new String(b, StandardCharsets.UTF_8).split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                try {
                    JsonNode node = JSON.readTree(lines[i]);
                    if (node != null && node.isObject()) {
                        return node;
                    }
                } catch (IOException e) {
                    // a partial first line of the tail
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
