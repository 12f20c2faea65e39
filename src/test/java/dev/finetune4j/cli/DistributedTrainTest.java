package dev.finetune4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.finetune4j.checkpoint.StoredTensor;
import dev.finetune4j.checkpoint.composer.ComposerCheckpoint;
import dev.finetune4j.distributed.C10d;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --nproc-per-node 2} on the quickstart model with ZeRO-1: the launcher's two rank JVMs train, rank 0
 * alone writes the run folder, the checkpoint records world_size 2, and its weights equal a one-process run's.
 */
class DistributedTrainTest {
    @TempDir
    Path dir;

    @Test
    void twoRankJobEqualsOneProcess() throws Exception {
        if (!C10d.bridgeAvailable()) {
            System.out.println("SKIP DistributedTrainTest: no g++ (or $CXX) to build the c10d bridge");
        }
        assumeTrue(C10d.bridgeAvailable(), "no g++ (or $CXX) to build the c10d bridge");
        Path config = writeConfig();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CliRun job = CliRun.of("train", config.toString(), "--nproc-per-node", "2", "--master-port",
                Integer.toString(port), "--set", "run_name=job", "--set", "fsdp.sharding=optimizer");
        assertEquals(0, job.exitCode(), job.stderr());
        CliRun single = CliRun.of("train", config.toString(), "--set", "run_name=single");
        assertEquals(0, single.exitCode(), single.stderr());

        Path runs = dir.resolve("runs");
        ComposerCheckpoint a = ComposerCheckpoint.read(runs.resolve("job/checkpoints/latest-rank0.pt"));
        ComposerCheckpoint b = ComposerCheckpoint.read(runs.resolve("single/checkpoints/latest-rank0.pt"));
        assertEquals(2L, ((Number) a.metadata().get("world_size")).longValue());
        assertEquals(1L, ((Number) b.metadata().get("world_size")).longValue());
        // no top-level rng (docs/formats.md "Composer checkpoints"): Composer would restore Python/NumPy/torch states
        assertTrue(a.rng().isEmpty() && b.rng().isEmpty(), "no rng entries");
        assertEquals(b.timestamp().batch(), a.timestamp().batch());
        for (Map.Entry<String, StoredTensor> e : b.model().entrySet()) {
            float[] x = e.getValue().toFloatArray();
            float[] y = a.model().get(e.getKey()).toFloatArray();
            // fp32: the ranks sum their gradients in another order than one process (chunked loss, all-reduce), so
            // single elements may differ by rounding; the tensor as a whole agrees to 1e-6 relative (L2)
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < x.length; i++) {
                assertTrue(Math.abs(x[i] - y[i]) <= 1e-5 * Math.abs(x[i]) + 1e-6,
                        e.getKey() + "[" + i + "]: " + x[i] + " vs " + y[i]);
                diff += (double) (x[i] - y[i]) * (x[i] - y[i]);
                norm += (double) x[i] * x[i];
            }
            assertTrue(Math.sqrt(diff) <= 1e-6 * Math.sqrt(norm) + 1e-9,
                    e.getKey() + ": relative L2 difference " + Math.sqrt(diff / Math.max(norm, 1e-30)));
        }
        // the optimizer state was gathered to rank 0: every trained tensor has its slots
        assertEquals(b.optimizer().state().keySet(), a.optimizer().state().keySet());
        // only rank 0 wrote: one metrics file, one set of checkpoints
        assertTrue(Files.isRegularFile(runs.resolve("job/metrics.jsonl")));
        List<Path> top;
        try (var s = Files.list(runs.resolve("job"))) {
            top = s.toList();
        }
        assertFalse(top.stream().anyMatch(p -> p.getFileName().toString().contains("rank1")), top.toString());
    }

    private Path writeConfig() throws IOException {
        Path q = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().resolve("examples/quickstart");
        Files.createDirectories(dir.resolve("data"));
        Files.write(dir.resolve("data/train.jsonl"), Files.readAllLines(q.resolve("data/train.jsonl")).subList(0, 16));
        Files.write(dir.resolve("data/eval.jsonl"), Files.readAllLines(q.resolve("data/eval.jsonl")).subList(0, 4));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "model: " + q.resolve("model"),
                "train_data_path: data/train.jsonl",
                "eval_data_path: data/eval.jsonl",
                "experiment_path: runs",
                "training_duration: 2ba",
                "learning_rate: 2.0e-3",
                "context_length: 128",
                "micro_batch_size: 2",
                "global_batch_size: 4",
                "optimizer: {name: adamw}",
                "precision: fp32",
                "device: cpu",
                "save_interval: 1ba",
                "eval_interval: 1ba",
                "preprocessing_num_workers: 1",
                "progress: none", ""));
        return config;
    }
}
