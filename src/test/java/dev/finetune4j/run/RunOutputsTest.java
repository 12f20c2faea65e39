package dev.finetune4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.AtomicFiles;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.engine.event.EventType;
import dev.finetune4j.engine.event.Metrics;
import dev.finetune4j.engine.event.RunEvent;
import dev.finetune4j.engine.event.RunListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunOutputsTest {
    @TempDir
    Path dir;

    @Test
    void createsTheRunFolderAndFansOut() throws IOException {
        Path cfg = dir.resolve("run.yaml");
        Files.writeString(cfg, "model: m\ntrain_data_path: t.jsonl\nrun_name: r1\nprogress: log\n");
        RunConfig config = RunConfig.load(cfg);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        List<String> seen = new ArrayList<>();
        try (RunOutputs out = RunOutputs.create(config, new PrintStream(console, true, StandardCharsets.UTF_8))) {
            out.addListener(new RunListener() {
                @Override
                public void onEvent(RunEvent event) {
                    throw new IllegalStateException("broken listener");
                }
            });
            out.addListener(new RunListener() {
                @Override
                public void onEvent(RunEvent event) {
                    seen.add(event.type().jsonName());
                }

                @Override
                public void onMetrics(Metrics metrics) {
                    seen.add("metrics " + metrics.step());
                }
            });
            out.onEvent(RunEvent.now(EventType.CREATED, 0, Map.of()));
            out.onMetrics(Metrics.now(1, Map.of(Metrics.LOSS, 2.0)));
            out.onEvent(RunEvent.now(EventType.COMPLETED, 1, Map.of()));
        }
        Path run = dir.resolve("runs/r1");
        assertEquals(config, RunConfig.load(run.resolve("run.yaml")));
        assertEquals(2, Files.readAllLines(run.resolve("events.jsonl")).size());
        assertEquals(1, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        try (Stream<Path> s = Files.list(run.resolve("tensorboard"))) {
            assertTrue(s.allMatch(p -> p.getFileName().toString().startsWith("events.out.tfevents.")));
        }
        try (Stream<Path> s = Files.list(run)) {
            assertEquals(List.of("events.jsonl", "metrics.jsonl", "run.yaml", "tensorboard"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "no temp files left");
        }
        assertEquals(List.of("created", "metrics 1", "completed"), seen);
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("step 1 loss 2.0000"));
    }

    @Test
    void atomicWriteReplacesWithoutLeftovers() throws IOException {
        Path f = dir.resolve("a/run.yaml");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertEquals(1, s.count());
        }
    }
}
