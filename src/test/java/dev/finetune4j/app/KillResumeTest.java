package dev.finetune4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.config.RunConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run in a child JVM ({@code finetune4j train}) killed with SIGKILL at random moments — during data
 * preparation, between or inside steps, while a checkpoint is written — and continued with {@code autoresume: true}
 * ends with exactly the weights of an uninterrupted run. While the first child holds the run folder, a second JVM on
 * the same folder is refused naming the holder's pid; after a kill the next process takes the stale lock over with a
 * note. The last interruption is a SIGTERM, after which the run ends by itself recorded as stopped. The same
 * child-JVM harness as the engine's CheckpointKillTest: start, wait for progress, destroyForcibly.
 */
class KillResumeTest {
    private static final int KILLS = 2;

    @TempDir
    Path dir;

    private Path config(String name) throws IOException {
        AppFixtures.someExamples(dir.resolve("data"), "train.jsonl", 24);
        Path c = dir.resolve(name + ".yaml");
        Files.writeString(c, String.join("\n",
                "model: " + AppFixtures.quickstart().resolve("model"),
                "train_data_path: data/train.jsonl",
                "experiment_path: runs",
                "run_name: " + name,
                "autoresume: true",
                "training_duration: 8ba",
                "learning_rate: 2.0e-3",
                "context_length: 128",
                "micro_batch_size: 2",
                "global_batch_size: 4",
                "precision: fp32",
                "device: cpu",
                "seed: 17",
                "save_interval: 1ba",
                "save_num_checkpoints_to_keep: 2",
                "preprocessing_num_workers: 1",
                "progress: none", ""));
        return c;
    }

    private int children;

    private Process child(Path config) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx1g", "-Dai.djl.offline=true",
                "dev.finetune4j.cli.Main", "train", config.toString());
        pb.environment().put("OPT_OUT_TRACKING", "true");
        Path log = dir.resolve("child-" + (children++) + ".log");
        return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static boolean heldBy(Path runDir, long pid) {
        return dev.finetune4j.run.RunRecord.read(runDir).map(r -> r.pid() == pid && "running".equals(r.status()))
                .orElse(false);
    }

    private static long lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    @Test
    void killedRunsResumeToTheWeightsOfAnUninterruptedRun() throws Exception {
        long seed = System.nanoTime();
        System.out.println("KillResumeTest random seed " + seed);
        Random rnd = new Random(seed);
        RunResult reference;
        try (FineTuneRun run = FineTune.create(RunConfig.load(config("reference")),
                new PrintStream(new ByteArrayOutputStream()))) {
            reference = run.await();
        }
        assertEquals(8, reference.batches());

        Path config = config("killed");
        Path runDir = dir.resolve("runs/killed");
        Path metrics = runDir.resolve("metrics.jsonl");
        List<String> killedAt = new ArrayList<>();
        for (int kill = 0; kill < KILLS; kill++) {
            Process p = child(config);
            try {
                long target = lines(metrics) + rnd.nextInt(4); // 0: still preparing data or loading the model
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (lines(metrics) < target && p.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                if (kill == 0) {
                    while (!heldBy(runDir, p.pid()) && p.isAlive() && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    // a second process on the same folder, while the first holds it: refused, naming the holder
                    Process second = child(config);
                    boolean ended = second.waitFor(60, TimeUnit.SECONDS);
                    second.destroyForcibly();
                    String out = Files.readString(dir.resolve("child-" + (children - 1) + ".log"))
                            + "\nfirst child: " + Files.readString(dir.resolve("child-" + (children - 2) + ".log"));
                    assertTrue(ended, "the refused process did not end: " + out);
                    assertEquals(1, second.exitValue(), out);
                    assertTrue(out.contains("in use by pid " + p.pid()), out);
                }
                Thread.sleep(rnd.nextInt(300));
                killedAt.add(lines(metrics) + " steps logged");
                if (kill == KILLS - 1) {
                    // the last interruption is SIGTERM (Ctrl-C): the run stops by itself, whatever phase it is in,
                    // and records how it ended. (A SIGTERM before the process has taken the run folder just ends the
                    // JVM, like a kill: so wait until it holds the folder and has installed its handler.)
                    while (!heldBy(runDir, p.pid()) && p.isAlive() && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    Thread.sleep(200);
                    long t0 = System.nanoTime();
                    p.destroy();
                    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "SIGTERM ended the run");
                    killedAt.add("SIGTERM took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                    String status = dev.finetune4j.run.RunRecord.read(runDir).orElseThrow().effectiveStatus();
                    assertTrue(status.equals("stopped") || status.equals("completed"), status + "\n"
                            + Files.readString(dir.resolve("child-" + (children - 1) + ".log")));
                }
            } finally {
                p.destroyForcibly();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            }
        }
        System.out.println("KillResumeTest killed after " + killedAt);
        RunResult resumed;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (FineTuneRun run = FineTune.create(RunConfig.load(config), new PrintStream(console))) {
            resumed = run.await();
        }
        assertEquals(8, resumed.batches());
        String events = Files.readString(runDir.resolve("events.jsonl"));
        assertTrue(events.contains("taking over the stale lock"), "a later process noted the dead holder's lock");
        Map<String, StoredTensor> want = ComposerCheckpoint.read(reference.lastCheckpoint()).model();
        Map<String, StoredTensor> got = ComposerCheckpoint.read(resumed.lastCheckpoint()).model();
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertEquals(want.get(k), got.get(k), k + " differs from the uninterrupted run (kills: " + killedAt + ")");
        }
    }
}
