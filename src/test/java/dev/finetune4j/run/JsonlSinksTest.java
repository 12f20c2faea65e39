package dev.finetune4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.engine.event.EventType;
import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlSinksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-11-23T15:00:00Z");

    @TempDir
    Path dir;

    private static List<JsonNode> lines(Path f) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(f)) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    @Test
    void metricsAreOneObjectPerLineVisibleBeforeClose() throws IOException {
        try (MetricsSink sink = MetricsSink.inRunDir(dir)) {
            Map<String, Double> v = new LinkedHashMap<>();
            v.put(Metrics.LOSS, 2.5);
            v.put(Metrics.LR, 1e-5);
            sink.onMetrics(new Metrics(1, T, v));
            sink.onMetrics(new Metrics(2, T.plusSeconds(1), Map.of(Metrics.LOSS, Double.NaN)));
            List<JsonNode> l = lines(dir.resolve("metrics.jsonl")); // read while still open: flushed
            assertEquals(2, l.size());
            assertEquals("{\"step\":1,\"time\":\"2026-11-23T15:00:00Z\",\"loss\":2.5,\"lr\":1.0E-5}",
                    Files.readAllLines(dir.resolve("metrics.jsonl")).get(0));
            assertEquals("NaN", l.get(1).get("loss").asText());
        }
        try (MetricsSink sink = MetricsSink.inRunDir(dir)) { // reopening appends (a resumed run)
            sink.onMetrics(new Metrics(3, T, Map.of(Metrics.LOSS, 1.0)));
        }
        List<JsonNode> l = lines(dir.resolve("metrics.jsonl"));
        assertEquals(3, l.size());
        assertEquals(3, l.get(2).get("step").asLong());
    }

    @Test
    void eventsCarryTimeStepAndFields() throws IOException {
        try (EventSink sink = EventSink.inRunDir(dir)) {
            sink.onEvent(new RunEvent(EventType.CREATED, T, 0, Map.of("run_dir", dir)));
            sink.onEvent(new RunEvent(EventType.CHECKPOINT_SAVED, T, 100,
                    Map.of("path", dir.resolve("checkpoints/ep0-ba100-rank0.pt"))));
            sink.onEvent(new RunEvent(EventType.EVAL, T, 100, Map.of("loss/eval", 1.25)));
            sink.onEvent(new RunEvent(EventType.FAILED, T, 101, RunEvent.failed(101,
                    new IllegalStateException("out of memory")).fields()));
        }
        List<JsonNode> l = lines(dir.resolve("events.jsonl"));
        assertEquals(List.of("created", "checkpoint_saved", "eval", "failed"),
                l.stream().map(n -> n.get("event").asText()).toList());
        assertEquals(dir.toString(), l.get(0).get("run_dir").asText());
        assertEquals("2026-11-23T15:00:00Z", l.get(0).get("time").asText());
        assertEquals(100, l.get(1).get("step").asLong());
        assertEquals(dir.resolve("checkpoints/ep0-ba100-rank0.pt").toString(), l.get(1).get("path").asText());
        assertEquals(1.25, l.get(2).get("loss/eval").asDouble());
        assertEquals("out of memory", l.get(3).get("reason").asText());
        assertEquals("java.lang.IllegalStateException", l.get(3).get("error").asText());
    }

    @Test
    void reservedEventFieldsAndBlankMetricNamesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RunEvent(EventType.EVAL, T, 1, Map.of("step", 3)));
        assertEquals(true, e.getMessage().startsWith("event field 'step' is reserved"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Metrics(1, T, Map.of(" ", 1.0)));
    }
}
