package dev.finetune4j.app;

import dev.finetune4j.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoints;
import dev.finetune4j.config.RunConfig;
import dev.finetune4j.engine.model.StateDictException;
import dev.finetune4j.run.RunFolderException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's work is never lost through the embedding API and the CLI: a re-used run name is refused, a finished run
 * resumed says it is complete, custom weights and exports are loaded strictly (with an opt-out for partial loads),
 * a stop before training ends the run at once, and {@code cancel}/{@code runs}/{@code events} work from "another
 * process" (the CLI entry point) on a run started through the Java API.
 */
class RunSafetyTest {
    @TempDir
    static Path dir;
    private static Path base;

    static Path config(String name, String... extra) throws IOException {
        AppFixtures.someExamples(dir.resolve("data"), "train.jsonl", 12);
        List<String> lines = new java.util.ArrayList<>(List.of(
                "model: " + AppFixtures.quickstart().resolve("model"),
                "train_data_path: data/train.jsonl",
                "task_type: CHAT_COMPLETION",
                "experiment_path: runs",
                "run_name: " + name,
                "training_duration: 3ba",
                "learning_rate: 2.0e-3",
                "context_length: 128",
                "micro_batch_size: 2",
                "global_batch_size: 4",
                "precision: fp32",
                "device: cpu",
                "seed: 17",
                "save_interval: 2ba",
                "preprocessing_num_workers: 1",
                "progress: none"));
        for (String e : extra) { // an extra key replaces the default line of the same key
            lines.removeIf(l -> l.startsWith(e.substring(0, e.indexOf(':') + 1)));
            lines.add(e);
        }
        String yaml = String.join("\n", lines) + "\n";
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        return config;
    }

    static RunResult train(RunConfig c) {
        try (FineTuneRun run = FineTune.create(c, new PrintStream(new ByteArrayOutputStream()))) {
            return run.await();
        }
    }

    @BeforeAll
    static void baseRun() throws IOException {
        RunResult r = train(RunConfig.load(config("base")));
        assertEquals(3, r.batches());
        base = r.runDir();
    }

    @Test
    void reusingARunNameWithoutAutoresumeIsRefusedAndTouchesNothing() throws IOException {
        Map<String, String> before = snapshot(base);
        RunFolderException e = assertThrows(RunFolderException.class,
                () -> FineTune.create(RunConfig.load(config("base")), new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains(base.toString()) && e.getMessage().contains("autoresume: true")
                && e.getMessage().contains("another run_name"), e.getMessage());
        assertEquals(before, snapshot(base));
    }

    @Test
    void resumingAFinishedRunSaysItIsComplete() throws IOException {
        List<Path> checkpoints = ComposerCheckpoints.list(base.resolve("checkpoints"));
        CliRun r = cli("train", config("base", "autoresume: true").toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.out().contains("already complete") && r.out().contains("batch 3"), r.out());
        assertFalse(r.out().contains("NaN"), r.out());
        assertEquals(checkpoints, ComposerCheckpoints.list(base.resolve("checkpoints")), "nothing trained or saved");
    }

    @Test
    void customWeightsMissingATensorAreRefusedUnlessPartialLoadsAreAllowed() throws IOException {
        Path full = ComposerCheckpoints.latest(base.resolve("checkpoints")).orElseThrow();
        ComposerCheckpoint cp = ComposerCheckpoint.read(full);
        LinkedHashMap<String, StoredTensor> model = new LinkedHashMap<>(cp.model());
        model.remove("model.embed_tokens.weight");
        StoredTensor norm = model.get("model.norm.weight");
        model.put("model.norm.weight", StoredTensor.ofFloats(new long[] {3}, new float[] {1, 1, 1}));
        model.put("model.extra.weight", norm);
        Path partial = dir.resolve("partial.pt");
        ComposerCheckpoint.weightsOnly(model, Map.of(), Map.of()).write(partial);

        StateDictException e = assertThrows(StateDictException.class, () -> train(RunConfig.load(
                config("strict", "custom_weights_path: " + partial, "training_duration: 1ba"))));
        for (String s : List.of("missing (1): model.embed_tokens.weight", "unexpected (1): model.extra.weight",
                "model.norm.weight: shape [3], expected [128]", "allow_partial_weights")) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' in " + e.getMessage());
        }
        RunResult ok = train(RunConfig.load(config("partial", "custom_weights_path: " + partial,
                "allow_partial_weights: true", "training_duration: 1ba")));
        assertEquals(1, ok.batches());

        Path out = dir.resolve("export-out");
        StateDictException ex = assertThrows(StateDictException.class, () -> CheckpointExport.export(partial,
                AppFixtures.quickstart().resolve("model"), out, false));
        assertTrue(ex.getMessage().contains("model.embed_tokens.weight") && ex.getMessage().contains("nothing was "
                + "written"), ex.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void aStopBeforeTrainingEndsTheRunAtOnce() throws IOException {
        RunConfig c = RunConfig.load(config("early-stop", "training_duration: 1000ba"));
        try (FineTuneRun run = FineTune.create(c, new PrintStream(new ByteArrayOutputStream()))) {
            run.requestStop();
            long t0 = System.nanoTime();
            RunResult r = run.await();
            assertEquals("stopped", r.stopReason());
            assertEquals(0, r.batches());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "stopped within 5 s");
        }
    }

    @Test
    void cancelRunsAndEventsWorkOnARunStartedThroughTheApi() throws Exception {
        RunConfig c = RunConfig.load(config("cancel-me", "training_duration: 2000ba", "save_interval: 1000ba"));
        Path runDir;
        try (FineTuneRun run = FineTune.create(c, new PrintStream(new ByteArrayOutputStream()))) {
            runDir = run.runDir();
            run.start();
            Path metrics = runDir.resolve("metrics.jsonl");
            long deadline = System.nanoTime() + 120_000_000_000L;
            while ((!Files.exists(metrics) || Files.size(metrics) == 0) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            CliRun runs = cli("runs", "--experiment-path", runDir.getParent().toString(), "--json");
            JsonNode live = find(new ObjectMapper().readTree(runs.out()), "cancel-me");
            assertEquals("running", live.get("status").asText(), runs.out());
            assertEquals(ProcessHandle.current().pid(), live.get("pid").asLong());

            long t0 = System.nanoTime();
            CliRun cancel = cli("cancel", runDir.toString());
            assertEquals(0, cancel.exitCode(), cancel.stderr());
            RunResult r = run.await();
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "cancelled within 5 s");
            assertEquals("cancelled", r.stopReason());
            assertTrue(r.batches() > 0 && r.batches() < 2000);
            assertEquals(r.batches(), ComposerCheckpoint.read(r.lastCheckpoint()).timestamp().batch(),
                    "a checkpoint of the last step");
        }
        JsonNode ended = find(new ObjectMapper().readTree(cli("runs", "--experiment-path",
                runDir.getParent().toString(), "--json").out()), "cancel-me");
        assertEquals("cancelled", ended.get("status").asText());
        assertTrue(ended.get("checkpoint").asText().endsWith("-rank0.pt"));
        assertEquals("completed", find(new ObjectMapper().readTree(cli("runs", "--experiment-path",
                runDir.getParent().toString(), "--json").out()), "base").get("status").asText());
        CliRun table = cli("runs", "--experiment-path", runDir.getParent().toString());
        assertTrue(table.out().contains("cancel-me") && table.out().contains("cancelled"), table.out());

        CliRun events = cli("events", runDir.toString(), "--follow", "--timeout", "10");
        assertEquals(0, events.exitCode(), events.stderr());
        String[] lines = events.out().strip().split("\n");
        assertTrue(lines[0].contains("\"created\""), lines[0]);
        assertTrue(lines[lines.length - 1].contains("\"completed\"") && lines[lines.length - 1].contains("cancelled"),
                lines[lines.length - 1]);
        CliRun notRunning = cli("cancel", runDir.toString());
        assertEquals(1, notRunning.exitCode());
        assertTrue(notRunning.stderr().contains("not running (cancelled)"), notRunning.stderr());
    }

    @Test
    void aFailureAfterStepsNamesTheStepReachedAndShowsAsFailed() throws IOException {
        Path runDir = dir.resolve("runs/fails-late");
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve("run.yaml"), "run_name: fails-late\n");
        Files.writeString(runDir.resolve("huggingface"), "a file where the export folder goes"); // export fails
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> train(RunConfig.load(config("fails-late", "autoresume: true"))));
        assertTrue(e.getMessage().contains("huggingface"), e.getMessage());
        String events = Files.readString(runDir.resolve("events.jsonl"));
        String failed = events.lines().filter(l -> l.contains("\"failed\"")).findFirst().orElseThrow();
        assertTrue(failed.contains("\"step\":3"), failed);
        JsonNode r = find(new ObjectMapper().readTree(cli("runs", "--experiment-path", runDir.getParent().toString(),
                "--json").out()), "fails-late");
        assertEquals("failed", r.get("status").asText());
        assertEquals(3, r.get("step").asLong());
    }

    private static JsonNode find(JsonNode runs, String name) {
        for (JsonNode r : runs) {
            if (r.get("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError(name + " not in " + runs);
    }

    private static CliRun cli(String... args) {
        return CliRun.of(args);
    }

    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                m.put(root.relativize(p).toString(), Files.isDirectory(p) ? "<dir>" : Files.size(p) + ":"
                        + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }
}
