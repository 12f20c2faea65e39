package dev.finetune4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune4j.engine.event.EventType;
import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {
    private static final Instant T = Instant.parse("2026-11-23T15:00:00Z");

    private static Metrics metrics(long step, double fraction) {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put(Metrics.LOSS, 1.23456);
        v.put(Metrics.LR, 1e-5);
        v.put(Metrics.TOKENS_PER_SEC, 1234.4);
        v.put(Metrics.ELAPSED_FRACTION, fraction);
        return new Metrics(step, T, v);
    }

    @Test
    void lineHasLossLrThroughputAndEta() {
        assertEquals("step 25  25.0% [#####---------------] loss 1.2346 lr 1.00e-05 1234 tok/s ETA 3m00s",
                ProgressReporter.formatLine(metrics(25, 0.25), 60, true));
        assertEquals("step 25  25.0% loss 1.2346 lr 1.00e-05 1234 tok/s ETA 3m00s",
                ProgressReporter.formatLine(metrics(25, 0.25), 60, false));
        assertEquals("step 0   0.0% loss 1.2346 lr 1.00e-05 1234 tok/s ETA ?",
                ProgressReporter.formatLine(metrics(0, 0), 0, false));
        assertEquals("step 3 loss 0.5000", ProgressReporter.formatLine(new Metrics(3, T, Map.of(Metrics.LOSS, 0.5)),
                1, true));
        assertEquals("1h02m03s", ProgressReporter.formatDuration(3723));
        assertEquals("45s", ProgressReporter.formatDuration(45.2));
    }

    @Test
    void barRedrawsOneLineAndEndsItBeforeEvents() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        ProgressReporter r = new ProgressReporter(new PrintStream(buf, true, StandardCharsets.UTF_8), true, false,
                Duration.ofSeconds(30), 10, clock::get);
        r.onEvent(RunEvent.now(EventType.TRAINING_STARTED, 0, Map.of()));
        clock.set(10_000_000_000L);
        r.onMetrics(metrics(1, 0.5));
        r.onMetrics(new Metrics(2, T, Map.of(Metrics.LOSS, 0.5)));
        r.onEvent(RunEvent.now(EventType.COMPLETED, 2, Map.of()));
        String out = buf.toString(StandardCharsets.UTF_8);
        String first = "step 1  50.0% [##########----------] loss 1.2346 lr 1.00e-05 1234 tok/s ETA 10s";
        String second = "step 2 loss 0.5000";
        assertEquals("\r" + first + "\r" + second + " ".repeat(first.length() - second.length())
                + System.lineSeparator() + "training completed at step 2" + System.lineSeparator(), out);
    }

    @Test
    void logModePrintsEveryNStepsOrAfterThePause() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        ProgressReporter r = new ProgressReporter(new PrintStream(buf, true, StandardCharsets.UTF_8), false, false,
                Duration.ofSeconds(30), 10, clock::get);
        for (int step = 1; step <= 25; step++) {
            clock.addAndGet(1_000_000_000L); // 1 s per step
            r.onMetrics(new Metrics(step, T, Map.of(Metrics.LOSS, 1.0)));
        }
        clock.addAndGet(31_000_000_000L);
        r.onMetrics(new Metrics(26, T, Map.of(Metrics.LOSS, 1.0)));
        String[] lines = buf.toString(StandardCharsets.UTF_8).split(System.lineSeparator());
        // step 1 (first), 10 and 20 (every 10 steps), 26 (30 s pause)
        assertEquals(4, lines.length);
        assertEquals("step 1 loss 1.0000", lines[0]);
        assertEquals("step 10 loss 1.0000", lines[1]);
        assertEquals("step 20 loss 1.0000", lines[2]);
        assertEquals("step 26 loss 1.0000", lines[3]);
    }

    @Test
    void noneModeIsSilent() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressReporter r = ProgressReporter.create(dev.finetune4j.config.ProgressMode.NONE,
                new PrintStream(buf, true, StandardCharsets.UTF_8), Duration.ofSeconds(1), 1);
        r.onMetrics(metrics(1, 0.1));
        r.onEvent(RunEvent.now(EventType.COMPLETED, 1, Map.of()));
        assertEquals("", buf.toString(StandardCharsets.UTF_8));
    }
}
